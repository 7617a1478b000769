// Where a phone number is, for the geo parameters of webhooks (twilio-compat §9 and §10: FromCity, FromState,
// FromZip, FromCountry and their To…, Caller… and Called… twins — "best-effort, may be empty").
//
// Three sources, most precise first:
// 1. tandem's numbering blocks (src/inventory): a number in one of the NPA-NXX blocks tandem stocks, sold or not,
//    has its block's city and state, and the ZIP code its AvailablePhoneNumber shows;
// 2. the North American area codes tandem knows: the state or province only, since an area code spans many cities;
// 3. any other number: its country, from libphonenumber-js's metadata (which tells the NANP countries and the
//    countries sharing a calling code apart by their leading digits). A number it cannot place exactly gets the
//    main country of its calling code (+44 → GB); one with no known calling code gets nothing.
import { getCountryCallingCode, isSupportedCountry, parsePhoneNumberFromString } from 'libphonenumber-js/min';
import { US_AREA_CODES } from '../inventory/dataset-us.js';
import { CA_AREA_CODES } from '../inventory/dataset-intl.js';
import { postalCodeOf } from '../inventory/materialize.js';
import type { Block } from '../inventory/types.js';

export interface NumberPlace {
  /** ISO 3166-1 alpha-2, as Twilio's FromCountry. */
  country: string;
  /** Two-letter state or province in North America; empty elsewhere. */
  state: string;
  /** Upper case, as Twilio sends it (SAN FRANCISCO). */
  city: string;
  zip: string;
}

const NOWHERE: NumberPlace = Object.freeze({ country: '', state: '', city: '', zip: '' });

/** Prefixes whose country libphonenumber-js gave (a parse costs 5–15 µs); past this many the cache starts again. */
const COUNTRY_CACHE_MAX = 10_000;

const AREA_CODES = new Map<string, { country: string; state: string }>();
for (const [npa, state] of US_AREA_CODES) AREA_CODES.set(npa, { country: 'US', state });
for (const [npa, state] of CA_AREA_CODES) AREA_CODES.set(npa, { country: 'CA', state });

export class NumberGeo {
  private readonly countries = new Map<string, string>();

  /** `locate`: the inventory block a number belongs to, and its national digits (Inventory#locate). */
  constructor(private readonly locate: (e164: string) => { block: Block; national: string } | undefined) {}

  of(e164: string): NumberPlace {
    if (!e164.startsWith('+')) return NOWHERE;
    const hit = this.locate(e164);
    if (hit) {
      const { block, national } = hit;
      // The ZIP code is the one the number's AvailablePhoneNumber showed (src/inventory/materialize.ts).
      return { country: block.country, state: block.region ?? '', city: block.locality?.toUpperCase() ?? '', zip: postalCodeOf(block, national) ?? '' };
    }
    if (e164.startsWith('+1')) {
      const area = AREA_CODES.get(e164.slice(2, 5));
      if (area) return { country: area.country, state: area.state, city: '', zip: '' };
    }
    const country = this.countryOf(e164);
    return country === '' ? NOWHERE : { country, state: '', city: '', zip: '' };
  }

  private countryOf(e164: string): string {
    // Countries follow from leading digits (an NANP country from its area code; a territory sharing a calling code,
    // like Guernsey's +44 1481 or Kazakhstan's +7 7, from the first digits after it), so a prefix is the cache key
    // and a stream of new handsets costs one parse per prefix, not one each.
    const key = e164.startsWith('+1') ? e164.slice(0, 5) : e164.slice(0, 8);
    const known = this.countries.get(key);
    if (known !== undefined) return known;
    const parsed = parsePhoneNumberFromString(e164);
    // Valid for no one country (a fictitious or unassigned range): the first that could have it, which is the
    // calling code's main country (+44 7700 900… → GB, +1 555… → US).
    const country: string = parsed?.country ?? parsed?.getPossibleCountries()[0] ?? '';
    if (this.countries.size >= COUNTRY_CACHE_MAX) this.countries.clear();
    this.countries.set(key, country);
    return country;
  }
}

/** The calling code of an ISO 3166-1 alpha-2 country ('DE' → '49'); undefined for one the numbering plan has not. */
export function callingCodeOf(iso: string): string | undefined {
  return isSupportedCountry(iso) ? getCountryCallingCode(iso) : undefined;
}

export type PlacePrefix = 'From' | 'To' | 'Caller' | 'Called';

/** The four parameter names of each side, built once rather than per request. */
const PLACE_KEYS: Readonly<Record<PlacePrefix, readonly [string, string, string, string]>> = {
  From: ['FromCity', 'FromState', 'FromZip', 'FromCountry'],
  To: ['ToCity', 'ToState', 'ToZip', 'ToCountry'],
  Caller: ['CallerCity', 'CallerState', 'CallerZip', 'CallerCountry'],
  Called: ['CalledCity', 'CalledState', 'CalledZip', 'CalledCountry'],
};

/**
 * Writes a webhook's geo parameters for one side into `params` (`FromCity`, `FromState`, `FromZip`, `FromCountry`
 * for 'From'); `country` stands in for a place with none.
 */
export function putPlace(params: Record<string, string>, prefix: PlacePrefix, place: NumberPlace, country = ''): void {
  const [city, state, zip, iso] = PLACE_KEYS[prefix];
  params[city] = place.city;
  params[state] = place.state;
  params[zip] = place.zip;
  params[iso] = place.country || country;
}
