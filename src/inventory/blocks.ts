import { US_AREA_CODES, US_TOLL_FREE_PREFIXES, type AreaCodeEntry } from './dataset-us.js';
import { CA_AREA_CODES, GB_AREA_CODES, GB_MOBILE_PREFIXES } from './dataset-intl.js';
import { spaceOf } from './keys.js';
import type { AddressRequirements, Block, Capabilities, CountryCode, NumberType, SenderClass } from './types.js';

export interface SeedPlan {
  usLocal: number;
  usTollFree: number;
  caLocal: number;
  gbLocal: number;
  gbMobile: number;
}

export function defaultPlan(usLocal: number): SeedPlan {
  return {
    usLocal,
    usTollFree: Math.max(700, Math.round(usLocal * 0.05)),
    caLocal: Math.max(900, Math.round(usLocal * 0.05)),
    gbLocal: Math.max(900, Math.round(usLocal * 0.03)),
    gbMobile: Math.max(700, Math.round(usLocal * 0.02)),
  };
}

/** Real carriers hand out numbers in 1,000-blocks and pools; a few thousand per NXX keeps blocks realistic. */
const MAX_PER_BLOCK = 2_500;

/** Splits `total` into `parts` near-equal integers that sum to `total`. */
function share(total: number, parts: number): number[] {
  const base = Math.floor(total / parts);
  return Array.from({ length: parts }, (_, i) => base + (i < total % parts ? 1 : 0));
}

function splitIntoBlocks(count: number): number[] {
  return count <= 0 ? [] : share(count, Math.ceil(count / MAX_PER_BLOCK));
}

/** NXX codes a carrier can hold: N11 service codes, 555 and the 950/958/959/976 specials stay out. */
function isAssignableNxx(nxx: string): boolean {
  return nxx[0] !== '0' && nxx[0] !== '1' && nxx.slice(1) !== '11' && !['555', '950', '958', '959', '976'].includes(nxx);
}

function pickUnused(used: Set<string>, make: () => string): string {
  for (;;) {
    const v = make();
    if (!used.has(v)) {
      used.add(v);
      return v;
    }
  }
}

const caps = (voice: boolean, sms: boolean, mms: boolean, fax: boolean): Capabilities => ({ voice, sms, mms, fax });

/** Carrier capability profiles, by how often they turn up in each kind of stock. */
function capabilityProfile(country: CountryCode, type: NumberType, r: number): Capabilities {
  if (type === 'tollFree') return r < 0.55 ? caps(true, true, false, true) : caps(true, true, true, true);
  if (type === 'mobile') return r < 0.85 ? caps(true, true, false, false) : caps(true, true, true, false);
  if (country === 'GB') return r < 0.9 ? caps(true, false, false, false) : caps(true, false, false, true);
  if (country === 'CA') return r < 0.75 ? caps(true, true, true, false) : caps(true, true, false, false);
  if (r < 0.6) return caps(true, true, true, true);
  if (r < 0.8) return caps(true, true, true, false);
  if (r < 0.93) return caps(true, true, false, true);
  return caps(true, false, false, true);
}

function addressRule(country: CountryCode, type: NumberType, r: number): AddressRequirements {
  if (country !== 'GB') return 'none';
  if (type === 'mobile') return 'any';
  return r < 0.5 ? 'local' : 'any';
}

function makeBlock(
  country: CountryCode,
  type: NumberType,
  prefix: string,
  seeded: number,
  rand: () => number,
  geo: Pick<Block, 'region' | 'locality' | 'rateCenter' | 'lata' | 'latitude' | 'longitude' | 'postalCodes'>,
): Block {
  const senderClass: SenderClass = type === 'tollFree' ? 'toll_free' : 'long_code';
  return {
    key: spaceOf(country, type) + prefix,
    country,
    type,
    prefix,
    ...geo,
    capabilities: capabilityProfile(country, type, rand()),
    addressRequirements: addressRule(country, type, rand()),
    senderClass,
    seeded,
  };
}

const NO_GEO = { region: null, locality: null, rateCenter: null, lata: null, latitude: null, longitude: null, postalCodes: [] };

function nanpLocalBlocks(country: CountryCode, entries: readonly AreaCodeEntry[], total: number, rand: () => number): Block[] {
  const localities = entries.flatMap(([npa, region, lata, locs]) => locs.map((loc) => ({ npa, region, lata, loc })));
  const counts = share(total, localities.length);
  const usedNxx = new Map<string, Set<string>>();
  const blocks: Block[] = [];
  localities.forEach(({ npa, region, lata, loc }, i) => {
    const used = usedNxx.get(npa) ?? new Set<string>();
    usedNxx.set(npa, used);
    const [locality, rateCenter, latitude, longitude, postalCodes] = loc;
    for (const n of splitIntoBlocks(counts[i] ?? 0)) {
      const nxx = pickUnused(used, () => {
        for (;;) {
          const v = String(200 + Math.floor(rand() * 800));
          if (isAssignableNxx(v)) return v;
        }
      });
      blocks.push(makeBlock(country, 'local', npa + nxx, n, rand, {
        region, locality, rateCenter, lata, latitude, longitude, postalCodes: [...postalCodes],
      }));
    }
  });
  return blocks;
}

function tollFreeBlocks(total: number, rand: () => number): Block[] {
  const counts = share(total, US_TOLL_FREE_PREFIXES.length);
  const blocks: Block[] = [];
  US_TOLL_FREE_PREFIXES.forEach((npa, i) => {
    const used = new Set<string>();
    for (const n of splitIntoBlocks(counts[i] ?? 0)) {
      const nxx = pickUnused(used, () => String(200 + Math.floor(rand() * 800)));
      blocks.push(makeBlock('US', 'tollFree', npa + nxx, n, rand, NO_GEO));
    }
  });
  return blocks;
}

function gbLocalBlocks(total: number, rand: () => number): Block[] {
  const counts = share(total, GB_AREA_CODES.length);
  const blocks: Block[] = [];
  GB_AREA_CODES.forEach((area, i) => {
    const used = new Set<string>();
    const rest = 6 - area.code.length;
    for (const n of splitIntoBlocks(counts[i] ?? 0)) {
      const exchange = pickUnused(used, () => {
        const first = area.exchangeFirstDigits[Math.floor(rand() * area.exchangeFirstDigits.length)] ?? '2';
        return first + String(Math.floor(rand() * 10 ** (rest - 1))).padStart(rest - 1, '0');
      });
      blocks.push(makeBlock('GB', 'local', area.code + exchange, n, rand, { ...NO_GEO, locality: area.locality }));
    }
  });
  return blocks;
}

function gbMobileBlocks(total: number, rand: () => number): Block[] {
  const counts = share(total, GB_MOBILE_PREFIXES.length);
  const blocks: Block[] = [];
  GB_MOBILE_PREFIXES.forEach((range, i) => {
    const used = new Set<string>();
    for (const n of splitIntoBlocks(counts[i] ?? 0)) {
      const sub = pickUnused(used, () => String(Math.floor(rand() * 100)).padStart(2, '0'));
      blocks.push(makeBlock('GB', 'mobile', range + sub, n, rand, NO_GEO));
    }
  });
  return blocks;
}

/** The whole numbering plan for a seed: every block with its size, before any number is drawn. */
export function planBlocks(plan: SeedPlan, rand: () => number): Block[] {
  return [
    ...nanpLocalBlocks('US', US_AREA_CODES, plan.usLocal, rand),
    ...tollFreeBlocks(plan.usTollFree, rand),
    ...nanpLocalBlocks('CA', CA_AREA_CODES, plan.caLocal, rand),
    ...gbLocalBlocks(plan.gbLocal, rand),
    ...gbMobileBlocks(plan.gbMobile, rand),
  ];
}
