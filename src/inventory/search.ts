import type { Database } from 'lmdb';
import type { BlockCatalog } from './catalog.js';
import { NATIONAL_DIGITS, nationalOfNumberKey, nationalOfSuffixKey, rangeEnd, spaceOf, SUFFIX_FROM } from './keys.js';
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
 * memory; LMDB prefix scans then read only keys inside those blocks (or, for Contains, only keys that
 * hold the pattern's digits), and stop at pageSize. Results come in index order, so the same query
 * over the same inventory answers the same numbers in the same order.
 */
export function searchInventory(ix: SearchIndexes, q: SearchQuery): AvailableNumber[] {
  const p = plan(ix, q);
  if (!p || p.blocks.length === 0 || q.pageSize <= 0) return [];
  const space = spaceOf(q.country, q.type);
  const page = new Page(ix, space, p, q.pageSize);
  if (p.pattern && !p.pattern.anchoredStart) scanContains(page, p.pattern);
  else scanBlocks(page);
  return page.out;
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

/**
 * Contains, one area code (first three national digits) at a time, in order. A match starting at
 * the fourth digit or later is a prefix scan of that area code's suffix partition. A match starting
 * inside the area code is decided by the area code's own digits: either every number there
 * qualifies (scan its blocks) or the rest of the literal must begin the local part (scan the
 * number index on area code + the rest). Wildcards and `$` pin where the literal may start, which
 * rules out most of these scans before they run.
 */
function scanContains(page: Page, pattern: ContainsPattern): void {
  const { literal } = pattern;
  const firstPos = pattern.leadingExact ?? 0;
  const lastPos = NATIONAL_DIGITS - literal.length - (pattern.trailingExact ?? 0);
  const fromPos = pattern.anchoredEnd ? lastPos : firstPos;
  if (fromPos > lastPos) return;
  const groups = new Map<string, Block[]>();
  for (const b of page.plan.blocks) {
    const npa = b.prefix.slice(0, SUFFIX_FROM);
    const list = groups.get(npa) ?? [];
    list.push(b);
    groups.set(npa, list);
  }
  for (const [npa, blocks] of groups) {
    let wholeGroup = false;
    for (let pos = fromPos; pos < SUFFIX_FROM && pos <= lastPos && !wholeGroup; pos++) {
      const head = npa.slice(pos);
      if (literal.length <= head.length) {
        if (!head.startsWith(literal)) continue;
        wholeGroup = true;
        if (!scanPrefixInBlocks(page, npa, blocks)) return;
      } else if (literal.startsWith(head)) {
        if (!scanPrefixInBlocks(page, npa + literal.slice(head.length), blocks)) return;
      }
    }
    if (wholeGroup || lastPos < SUFFIX_FROM) continue;
    const start = page.space + npa + literal + (pattern.anchoredEnd ? ' ' : '');
    for (const key of page.ix.suffixes.getKeys({ start, end: rangeEnd(start) })) {
      if (!page.offer(nationalOfSuffixKey(key))) return;
    }
  }
}
