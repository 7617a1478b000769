// Twilio-style paging over an LMDB index range. The PageToken is the last index key of the previous page, so
// a page costs a range scan from where the last one stopped, never an offset walk.
import { compareKeys, type Database, type Key } from 'lmdb';
import { badRequest } from './errors.js';
import { intParam, str, type RawParams } from './params.js';

export interface PageRequest {
  pageSize: number;
  page: number;
  after: unknown[] | undefined;
}

export function parsePageRequest(q: RawParams): PageRequest {
  // Twilio's SDK sends PageSize=limit even above 1000; Twilio clamps rather than rejects.
  const requested = intParam(q, 'PageSize', 1, Number.MAX_SAFE_INTEGER) ?? 50;
  const pageSize = Math.min(requested, 1000);
  const page = intParam(q, 'Page', 0, Number.MAX_SAFE_INTEGER) ?? 0;
  const token = str(q, 'PageToken');
  let after: unknown[] | undefined;
  if (token !== undefined && token !== '') {
    try {
      if (!token.startsWith('PA')) throw new Error('prefix');
      after = JSON.parse(Buffer.from(token.slice(2), 'base64url').toString('utf8')) as unknown[];
      if (!Array.isArray(after)) throw new Error('shape');
    } catch {
      throw badRequest(21481, 'Invalid PageToken');
    }
  }
  return { pageSize, page, after };
}

export interface PageResult<R> {
  records: R[];
  nextAfter: unknown[] | undefined;
}

/**
 * Scan `index` keys in [start, end) (keys are arrays whose last element is the record id), load each record,
 * keep those `accept` passes, stop after one page.
 */
export function scanPage<K extends Key & unknown[], R>(
  index: Database<string, K>,
  start: K,
  end: K,
  req: PageRequest,
  load: (id: string) => R | undefined,
  accept: (r: R) => boolean = () => true,
): PageResult<R> {
  const records: R[] = [];
  let lastKey: K | undefined;
  // The token comes from the client: a crafted one must not move the scan outside [start, end), which is what
  // keeps the scan inside the caller's account.
  if (req.after !== undefined && !inRange(req.after, start, end)) throw badRequest(21481, 'Invalid PageToken');
  const from = (req.after as K | undefined) ?? start;
  for (const { key, value } of index.getRange({ start: from, end, snapshot: false })) {
    if (req.after && sameKey(key, req.after)) continue;
    const r = load(value);
    if (r === undefined || !accept(r)) continue;
    if (records.length === req.pageSize) {
      return { records, nextAfter: lastKey };
    }
    records.push(r);
    lastKey = key;
  }
  return { records, nextAfter: undefined };
}

function inRange(key: unknown[], start: Key, end: Key): boolean {
  try {
    return compareKeys(key as Key, start) >= 0 && compareKeys(key as Key, end) < 0;
  } catch {
    return false;
  }
}

function sameKey(a: unknown[], b: unknown[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** The paging envelope Twilio wraps around every list, with the record array under `name`. */
export function pageEnvelope<T>(
  name: string,
  path: string,
  filters: Record<string, string>,
  req: PageRequest,
  items: T[],
  nextAfter: unknown[] | undefined,
): Record<string, unknown> {
  const qs = (extra: Record<string, string>) => '?' + new URLSearchParams({ ...filters, ...extra }).toString();
  const start = req.page * req.pageSize;
  return {
    [name]: items,
    uri: path + qs({ PageSize: String(req.pageSize), Page: String(req.page) }),
    first_page_uri: path + qs({ PageSize: String(req.pageSize), Page: '0' }),
    next_page_uri:
      nextAfter === undefined
        ? null
        : path +
          qs({
            PageSize: String(req.pageSize),
            Page: String(req.page + 1),
            PageToken: 'PA' + Buffer.from(JSON.stringify(nextAfter)).toString('base64url'),
          }),
    previous_page_uri: req.page === 0 ? null : path + qs({ PageSize: String(req.pageSize), Page: String(req.page - 1) }),
    page: req.page,
    page_size: req.pageSize,
    start,
    end: start + Math.max(items.length - 1, 0),
  };
}

/**
 * The envelope of Twilio's newer APIs (Messaging v1 and the like): the records under `key`, the paging in `meta`
 * with absolute URLs (`base` is tandem's public URL). The same PageToken as the 2010-04-01 lists.
 */
export function pageEnvelopeV1<T>(
  key: string,
  base: string,
  path: string,
  req: PageRequest,
  items: T[],
  nextAfter: unknown[] | undefined,
): Record<string, unknown> {
  const at = (extra: Record<string, string>) => `${base}${path}?${new URLSearchParams({ PageSize: String(req.pageSize), ...extra }).toString()}`;
  return {
    [key]: items,
    meta: {
      page: req.page,
      page_size: req.pageSize,
      first_page_url: at({ Page: '0' }),
      previous_page_url: req.page === 0 ? null : at({ Page: String(req.page - 1) }),
      url: at({ Page: String(req.page) }),
      next_page_url:
        nextAfter === undefined ? null : at({ Page: String(req.page + 1), PageToken: 'PA' + Buffer.from(JSON.stringify(nextAfter)).toString('base64url') }),
      key,
    },
  };
}

/**
 * One page of a short list held in memory, in its own order: the records after the page token's key, and the key
 * the next page starts after (undefined on the last page).
 */
export function pageOfList<R>(items: readonly R[], req: PageRequest, keyOf: (r: R) => string): PageResult<R> {
  const afterKey = req.after?.[0];
  const from = afterKey === undefined ? 0 : items.findIndex((r) => keyOf(r) === afterKey) + 1;
  const records = items.slice(from, from + req.pageSize);
  const last = records[records.length - 1];
  return { records, nextAfter: last !== undefined && from + req.pageSize < items.length ? [keyOf(last)] : undefined };
}
