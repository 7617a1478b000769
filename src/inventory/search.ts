import type { Database } from 'lmdb';
import type { BlockCatalog } from './catalog.js';
import { NATIONAL_DIGITS, nationalOfNumberKey, parseSuffixKey, rangeEnd, spaceOf } from './keys.js';
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
 * prefix scans of the matching blocks in the number index, or one prefix scan of the suffix index on
 * the pattern's literal digits. Both stop at pageSize. Results come in index order, so the same
 * query over the same inventory answers the same numbers in the same order.
 */
export function searchInventory(ix: SearchIndexes, q: SearchQuery): AvailableNumber[] {
  const p = plan(ix, q);
  if (!p || p.blocks.length === 0 || q.pageSize <= 0) return [];
  const space = spaceOf(q.country, q.type);
  const page = new Page(ix, space, p, q.pageSize);
  const pattern = p.pattern;
  if (pattern && !pattern.anchoredStart) {
    const positions = startPositions(pattern);
    if (positions.last < positions.first) return [];
    if (preferSuffixScan(ix, space, p, pattern, positions, q.pageSize)) {
      scanSuffixes(page, pattern, positions);
      return page.out;
    }
  }
  scanBlocks(page);
  return page.out;
}

/** Where the literal may start in a national number: wildcards and `$` pin it. */
function startPositions(pattern: ContainsPattern): { first: number; last: number } {
  const last = NATIONAL_DIGITS - pattern.literal.length - (pattern.trailingExact ?? 0);
  return { first: pattern.anchoredEnd ? last : (pattern.leadingExact ?? 0), last };
}

/**
 * Estimates keys read to fill the page: the suffix scan reads every number holding the literal
 * until enough of them fall in the selected blocks; the block scan reads the selected blocks until
 * enough of their numbers hold the literal.
 */
function preferSuffixScan(
  ix: SearchIndexes, space: string, p: Plan, pattern: ContainsPattern, positions: { first: number; last: number }, pageSize: number,
): boolean {
  const total = ix.catalog.inSpace(space).reduce((n, b) => n + b.seeded, 0);
  const selected = p.allBlocks ? total : p.blocks.reduce((n, b) => n + b.seeded, 0);
  const hitRate = Math.min(1, (positions.last - positions.first + 1) / 10 ** pattern.literal.length);
  const suffixEntries = total * Math.min(1, (NATIONAL_DIGITS - pattern.literal.length + 1) / 10 ** pattern.literal.length);
  const suffixCost = Math.min(suffixEntries, pageSize / Math.max(selected / Math.max(total, 1), 1e-9));
  const blockCost = Math.min(selected, pageSize / Math.max(hitRate, 1e-9));
  return suffixCost < blockCost;
}

/** Collects matching numbers once each until the page is full. */
class Page {
  readonly out: AvailableNumber[] = [];
  private readonly seen = new Set<string>();
  private readonly wanted: Set<Block> | undefined;

  constructor(readonly ix: SearchIndexes, readonly space: string, readonly plan: Plan, private readonly size: number) {
    this.wanted = plan.allBlocks ? undefined : new Set(plan.blocks);
  }

  get full(): boolean {
    return this.out.length >= this.size;
  }

  /** Scans the number index from `prefix`; false once the page is full. */
  scanNumbers(prefix: string, blockOf?: Block): boolean {
    const start = this.space + prefix;
    for (const key of this.ix.numbers.getKeys({ start, end: rangeEnd(start) })) {
      if (!this.offer(nationalOfNumberKey(key), blockOf)) return false;
    }
    return true;
  }

  /** Considers one candidate; false once the page is full. */
  offer(national: string, knownBlock?: Block): boolean {
    const block = knownBlock ?? this.ix.catalog.blockOfKeyPrefix(this.space + national.slice(0, 6));
    if (!block || (this.wanted && !this.wanted.has(block)) || this.seen.has(national)) return true;
    const { pattern, postalCode } = this.plan;
    if (pattern && !pattern.regex.test(national)) return true;
    if (postalCode !== undefined && postalCodeOf(block, national) !== postalCode) return true;
    this.seen.add(national);
    this.out.push(materialize(block, national));
    return !this.full;
  }
}

/**
 * Scans the number index for keys starting with `prefix`, but only inside the given blocks: a prefix
 * and a block's six digits either nest (scan the longer) or exclude each other.
 */
function scanPrefixInBlocks(page: Page, prefix: string, blocks: readonly Block[]): boolean {
  for (const block of blocks) {
    if (prefix.startsWith(block.prefix)) return page.scanNumbers(prefix, block);
    if (block.prefix.startsWith(prefix) && !page.scanNumbers(block.prefix, block)) return false;
  }
  return true;
}

function scanBlocks(page: Page): void {
  const { plan: p } = page;
  const anchored = p.pattern?.anchoredStart ? p.pattern.literal : '';
  if (p.allBlocks) page.scanNumbers(anchored);
  else scanPrefixInBlocks(page, anchored, p.blocks);
}

function scanSuffixes(page: Page, pattern: ContainsPattern, positions: { first: number; last: number }): void {
  const start = page.space + pattern.literal + (pattern.anchoredEnd ? ' ' : '');
  for (const key of page.ix.suffixes.getKeys({ start, end: rangeEnd(start) })) {
    const { national, position } = parseSuffixKey(key);
    if (position < positions.first || position > positions.last) continue;
    if (!page.offer(national)) return;
  }
}
