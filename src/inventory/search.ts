import type { Database } from 'lmdb';
import type { BlockCatalog } from './catalog.js';
import { nationalOfNumberKey, nationalOfSuffixKey, rangeEnd, spaceOf } from './keys.js';
import { materialize, postalCodeOf } from './materialize.js';
import { milesBetween } from './numbering.js';
import { parseContains, type ContainsPattern } from './pattern.js';
import type { AvailableNumber, Block, SearchQuery } from './types.js';

export interface SearchIndexes {
  numbers: Database<Buffer, string>;
  suffixes: Database<Buffer, string>;
  catalog: BlockCatalog;
}

const DEFAULT_DISTANCE_MILES = 25;
const eq = (a: string | null, b: string): boolean => a !== null && a.toLowerCase() === b.toLowerCase();
const looksLikePhone = (v: string): boolean => /^\+?\d{10,15}$/.test(v.trim());

/**
 * Twilio's In* filters take either a value or "a phone number, meaning the same X as that number".
 * Resolves the phone-number form through the catalog; undefined means "matches nothing".
 */
function resolveReference(catalog: BlockCatalog, value: string, pick: (b: Block, national: string) => string | null): string | undefined {
  if (!looksLikePhone(value)) return value;
  const hit = catalog.locate(value);
  return hit ? (pick(hit.block, hit.national) ?? undefined) : undefined;
}

interface Plan {
  blocks: Block[];
  allBlocks: boolean;
  postalCode: string | undefined;
  pattern: ContainsPattern | undefined;
}

function plan(ix: SearchIndexes, q: SearchQuery): Plan | undefined {
  const { catalog } = ix;
  const all = catalog.inSpace(spaceOf(q.country, q.type));
  const tests: Array<(b: Block) => boolean> = [];
  let postalCode: string | undefined;
  let pattern: ContainsPattern | undefined;

  if (q.areaCode !== undefined) {
    const npa = q.areaCode;
    tests.push((b) => b.country !== 'GB' && b.prefix.startsWith(npa));
  }
  const ref = (value: string | undefined, pick: (b: Block, n: string) => string | null): string | undefined | null =>
    value === undefined ? null : resolveReference(catalog, value, pick);
  const region = ref(q.inRegion, (b) => b.region);
  const locality = ref(q.inLocality, (b) => b.locality);
  const rateCenter = ref(q.inRateCenter, (b) => b.rateCenter);
  const lata = ref(q.inLata, (b) => b.lata);
  const postal = ref(q.inPostalCode, (b, n) => postalCodeOf(b, n));
  if (region === undefined || locality === undefined || rateCenter === undefined || lata === undefined || postal === undefined) return undefined;
  if (region !== null) tests.push((b) => eq(b.region, region));
  if (locality !== null) tests.push((b) => eq(b.locality, locality));
  if (rateCenter !== null) tests.push((b) => eq(b.rateCenter, rateCenter));
  if (lata !== null) tests.push((b) => b.lata === lata);
  if (postal !== null) {
    postalCode = postal.toUpperCase();
    const pc = postalCode;
    tests.push((b) => b.postalCodes.includes(pc));
  }

  const near = nearPoint(ix, q);
  if (near === undefined) return undefined;
  if (near !== null) {
    const miles = q.distance ?? DEFAULT_DISTANCE_MILES;
    tests.push((b) => b.latitude !== null && b.longitude !== null && milesBetween(near.lat, near.lon, b.latitude, b.longitude) <= miles);
  }

  const capFilters = (['voice', 'sms', 'mms', 'fax'] as const).flatMap((cap) => {
    const want = { voice: q.voiceEnabled, sms: q.smsEnabled, mms: q.mmsEnabled, fax: q.faxEnabled }[cap];
    return want === undefined ? [] : [(b: Block) => b.capabilities[cap] === want];
  });
  tests.push(...capFilters);
  if (q.excludeAllAddressRequired) tests.push((b) => b.addressRequirements === 'none');
  if (q.excludeLocalAddressRequired) tests.push((b) => b.addressRequirements !== 'local');
  if (q.excludeForeignAddressRequired) tests.push((b) => b.addressRequirements !== 'foreign');

  if (q.contains !== undefined) {
    const parsed = parseContains(q.contains);
    if (!parsed.ok) return undefined;
    pattern = parsed.pattern;
  }
  const blocks = all.filter((b) => tests.every((t) => t(b)));
  return { blocks, allBlocks: blocks.length === all.length, postalCode, pattern };
}

/** Centre of a Near* query; null when there is none, undefined when it points nowhere we know. */
function nearPoint(ix: SearchIndexes, q: SearchQuery): { lat: number; lon: number } | null | undefined {
  if (q.nearLatLong !== undefined) {
    const [lat, lon] = q.nearLatLong.split(',').map(Number);
    return lat === undefined || lon === undefined ? undefined : { lat, lon };
  }
  if (q.nearNumber === undefined) return null;
  const hit = ix.catalog.locate(q.nearNumber);
  const block = hit?.block.latitude != null ? hit.block : ix.catalog.anchorOfAreaCode(q.nearNumber.replace(/^\+?1?/, '').slice(0, 3));
  if (!block || block.latitude === null || block.longitude === null) return undefined;
  return { lat: block.latitude, lon: block.longitude };
}

/**
 * Searches the inventory. Every filter except Contains and InPostalCode narrows the set of blocks in
 * memory; then one of two LMDB scans runs, whichever should fill the page with fewer keys read:
 * prefix scans of the matching blocks in the number index, or one prefix scan of the suffix index
 * on the pattern's literal digits. Both stop at pageSize. Results come in index order, so the same
 * query over the same inventory answers the same numbers in the same order.
 */
export function searchInventory(ix: SearchIndexes, q: SearchQuery): AvailableNumber[] {
  const p = plan(ix, q);
  if (!p || p.blocks.length === 0 || q.pageSize <= 0) return [];
  const space = spaceOf(q.country, q.type);
  const accept = (block: Block, national: string): boolean =>
    (p.pattern === undefined || p.pattern.regex.test(national)) &&
    (p.postalCode === undefined || postalCodeOf(block, national) === p.postalCode);

  if (p.pattern && !p.pattern.anchoredStart && preferSuffixScan(ix, space, p, q.pageSize)) {
    return scanSuffixes(ix, space, p, q.pageSize, accept);
  }
  return scanBlocks(ix, space, p, q.pageSize, accept);
}

function preferSuffixScan(ix: SearchIndexes, space: string, p: Plan, pageSize: number): boolean {
  const pattern = p.pattern!;
  const total = ix.catalog.inSpace(space).reduce((n, b) => n + b.seeded, 0);
  const selected = p.allBlocks ? total : p.blocks.reduce((n, b) => n + b.seeded, 0);
  const positions = Math.max(1, 11 - pattern.literal.length);
  const pHit = Math.min(1, positions / 10 ** pattern.literal.length);
  const suffixEntries = total * pHit;
  const fraction = Math.max(selected / Math.max(total, 1), 1e-9);
  const suffixCost = Math.min(suffixEntries, pageSize / fraction);
  const blockCost = Math.min(selected, pageSize / Math.max(pHit, 1e-9));
  return suffixCost < blockCost;
}

type Accept = (block: Block, national: string) => boolean;

function scanBlocks(ix: SearchIndexes, space: string, p: Plan, pageSize: number, accept: Accept): AvailableNumber[] {
  const out: AvailableNumber[] = [];
  const anchored = p.pattern?.anchoredStart ? p.pattern.literal : '';
  const scan = (prefix: string, blockOf: (national: string) => Block | undefined): boolean => {
    for (const key of ix.numbers.getKeys({ start: space + prefix, end: rangeEnd(space + prefix) })) {
      const national = nationalOfNumberKey(key);
      const block = blockOf(national);
      if (block && accept(block, national)) {
        out.push(materialize(block, national));
        if (out.length >= pageSize) return true;
      }
    }
    return false;
  };
  if (p.allBlocks) {
    scan(anchored, (n) => ix.catalog.blockOfKeyPrefix(space + n.slice(0, 6)));
    return out;
  }
  for (const block of p.blocks) {
    // A start-anchored literal and a block prefix either nest (scan the longer) or exclude each other.
    let prefix = block.prefix;
    if (anchored) {
      if (anchored.startsWith(block.prefix)) prefix = anchored;
      else if (!block.prefix.startsWith(anchored)) continue;
    }
    if (scan(prefix, () => block)) break;
  }
  return out;
}

function scanSuffixes(ix: SearchIndexes, space: string, p: Plan, pageSize: number, accept: Accept): AvailableNumber[] {
  const pattern = p.pattern!;
  const wanted = p.allBlocks ? undefined : new Set(p.blocks);
  const start = space + pattern.literal + (pattern.anchoredEnd ? ' ' : '');
  const out: AvailableNumber[] = [];
  // A number holding the literal twice (5555 holds 55 three times) shows up once per position.
  const seen = new Set<string>();
  for (const key of ix.suffixes.getKeys({ start, end: rangeEnd(start) })) {
    const national = nationalOfSuffixKey(key);
    const block = ix.catalog.blockOfKeyPrefix(space + national.slice(0, 6));
    if (!block || (wanted && !wanted.has(block)) || seen.has(national)) continue;
    seen.add(national);
    if (!accept(block, national)) continue;
    out.push(materialize(block, national));
    if (out.length >= pageSize) break;
  }
  return out;
}
