import { friendlyName, toE164 } from './numbering.js';
import { hash32 } from './prng.js';
import type { AvailableNumber, Block } from './types.js';

/**
 * Builds a number's full record from its block and digits. Per-number details (which of the
 * locality's postal codes, a small offset from the city centre) derive from a hash of the digits, so
 * the index needs to store nothing but the digits themselves.
 */
export function postalCodeOf(block: Block, national: string): string | null {
  const codes = block.postalCodes;
  if (codes.length === 0) return null;
  return codes[hash32(national) % codes.length] ?? null;
}

function jitter(national: string, salt: string): number {
  // Up to ±0.03° (about two miles): spread within the rate centre, never outside the city.
  return ((hash32(salt + national) % 6001) - 3000) / 100_000;
}

const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;

export function materialize(block: Block, national: string): AvailableNumber {
  return {
    phone_number: toE164(block.country, national),
    friendly_name: friendlyName(block.country, national),
    iso_country: block.country,
    type: block.type,
    region: block.region,
    locality: block.locality,
    postal_code: postalCodeOf(block, national),
    rate_center: block.rateCenter,
    lata: block.lata,
    latitude: block.latitude === null ? null : round6(block.latitude + jitter(national, 'lat')),
    longitude: block.longitude === null ? null : round6(block.longitude + jitter(national, 'lon')),
    capabilities: { ...block.capabilities },
    address_requirements: block.addressRequirements,
    beta: false,
    sender_class: block.senderClass,
  };
}
