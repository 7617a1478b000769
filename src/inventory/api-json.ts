import type { AvailableNumber, CountrySummary } from './types.js';

/**
 * Twilio's JSON for an available number: every property of the spec's schema, latitude/longitude as
 * six-decimal strings, and capability keys as the live API spells them for this resource
 * (`voice`, `SMS`, `MMS`, `fax`), which differs from IncomingPhoneNumbers' lowercase keys.
 */
export function toApiJson(n: AvailableNumber): Record<string, unknown> {
  return {
    address_requirements: n.address_requirements,
    beta: n.beta,
    capabilities: { voice: n.capabilities.voice, SMS: n.capabilities.sms, MMS: n.capabilities.mms, fax: n.capabilities.fax },
    friendly_name: n.friendly_name,
    iso_country: n.iso_country,
    lata: n.lata,
    latitude: n.latitude === null ? null : n.latitude.toFixed(6),
    locality: n.locality,
    longitude: n.longitude === null ? null : n.longitude.toFixed(6),
    phone_number: n.phone_number,
    postal_code: n.postal_code,
    rate_center: n.rate_center,
    region: n.region,
  };
}

const TYPE_PATHS = { local: ['local', 'Local'], tollFree: ['toll_free', 'TollFree'], mobile: ['mobile', 'Mobile'] } as const;

/** One entry of `GET …/AvailablePhoneNumbers.json` (and the body of `…/AvailablePhoneNumbers/{ISO}.json`). */
export function countryToApiJson(c: CountrySummary, accountSid: string): Record<string, unknown> {
  const base = `/2010-04-01/Accounts/${accountSid}/AvailablePhoneNumbers/${c.countryCode}`;
  const subresource_uris: Record<string, string> = {};
  for (const t of c.types) {
    const [key, segment] = TYPE_PATHS[t];
    subresource_uris[key] = `${base}/${segment}.json`;
  }
  return { country_code: c.countryCode, country: c.country, uri: `${base}.json`, beta: c.beta, subresource_uris };
}
