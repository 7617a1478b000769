// /2010-04-01/Accounts/{AccountSid}/Usage/Records: what the account used (src/usage/usage.ts), over a range
// (Records, AllTime, Today, Yesterday, ThisMonth, LastMonth: one record per category) or day by day, month by month
// or year by year (Daily, Monthly, Yearly). Dates are UTC days, as Twilio's are.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiDeps } from './deps.js';
import { CATEGORIES, DAY_MS, tallyUsage, type Category } from '../usage/usage.js';
import { badRequest } from './errors.js';
import { str, type RawParams } from './params.js';
import { pageEnvelope, pageOfList, parsePageRequest } from './paging.js';

type Grain = 'day' | 'month' | 'year';

const MAX_SPANS = 3_660;

const SUBRESOURCES = {
  AllTime: 'all_time',
  Today: 'today',
  Yesterday: 'yesterday',
  ThisMonth: 'this_month',
  LastMonth: 'last_month',
  Daily: 'daily',
  Monthly: 'monthly',
  Yearly: 'yearly',
} as const;
type Subresource = keyof typeof SUBRESOURCES;

const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const midnight = (ms: number): number => Math.floor(ms / DAY_MS) * DAY_MS;
const monthStart = (ms: number, add = 0): number => {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + add, 1);
};
const yearStart = (ms: number): number => Date.UTC(new Date(ms).getUTCFullYear(), 0, 1);
const startOf = (grain: Grain, ms: number): number => (grain === 'day' ? midnight(ms) : grain === 'month' ? monthStart(ms) : yearStart(ms));
const nextOf = (grain: Grain, start: number): number =>
  grain === 'day' ? start + DAY_MS : grain === 'month' ? monthStart(start, 1) : Date.UTC(new Date(start).getUTCFullYear() + 1, 0, 1);

/** StartDate / EndDate: YYYY-MM-DD, or relative to today as Twilio allows (`-30days`, `+0days`). */
function dateParam(q: RawParams, name: 'StartDate' | 'EndDate', now: number): number | undefined {
  const v = str(q, name);
  if (v === undefined || v === '') return undefined;
  const rel = /^([+-]\d+)days$/.exec(v);
  if (rel) return midnight(now) + Number(rel[1]) * DAY_MS;
  const t = /^\d{4}-\d{2}-\d{2}$/.test(v) ? Date.parse(`${v}T00:00:00Z`) : NaN;
  if (Number.isNaN(t)) throw badRequest(20001, `${name} must be a date as YYYY-MM-DD or a relative one like -30days, got '${v}'`);
  return t;
}

export function registerUsageRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const base = '/2010-04-01/Accounts/:AccountSid/Usage/Records';

  const list = (sub: Subresource | null) => async (req: FastifyRequest) => {
    const q = req.query as RawParams;
    const page = parsePageRequest(q);
    const now = Date.now();
    const account = req.account;
    const categoryRaw = str(q, 'Category');
    if (categoryRaw !== undefined && categoryRaw !== '' && !(categoryRaw in CATEGORIES)) {
      throw badRequest(20001, `Category '${categoryRaw}' is not a usage category tandem counts: ${Object.keys(CATEGORIES).join(', ')}.`);
    }
    const categories = (categoryRaw ? [categoryRaw] : Object.keys(CATEGORIES)) as Category[];

    // The range (first and last day, inclusive) and the grain of the spans it is cut into.
    const today = midnight(now);
    const fixed: Partial<Record<Subresource, [number, number]>> = {
      Today: [today, today],
      Yesterday: [today - DAY_MS, today - DAY_MS],
      ThisMonth: [monthStart(now), today],
      LastMonth: [monthStart(now, -1), monthStart(now) - DAY_MS],
    };
    const grain: Grain | null = sub === 'Daily' ? 'day' : sub === 'Monthly' ? 'month' : sub === 'Yearly' ? 'year' : null;
    let [first, last] = (sub && fixed[sub]) ?? [dateParam(q, 'StartDate', now) ?? midnight(account.dateCreated), dateParam(q, 'EndDate', now) ?? today];
    if (sub === 'AllTime') [first, last] = [midnight(account.dateCreated), today];
    if (last < first) throw badRequest(20001, 'EndDate is before StartDate.');
    const spans: number[] = [];
    if (grain) {
      for (let s = startOf(grain, first); s <= last; s = nextOf(grain, s)) {
        // Ten years of days is plenty for one list; past it the answer would be built to be paged away.
        if (spans.push(s) > MAX_SPANS) throw badRequest(20001, `The range holds more than ${MAX_SPANS} ${grain}s: narrow StartDate / EndDate.`);
      }
    } else spans.push(first);
    const endMs = last + DAY_MS - 1;
    const tallies = await tallyUsage(deps.tables, (sid) => deps.messaging.store.get(sid), account.sid, first, endMs, grain ? (ms) => startOf(grain, ms) : () => first, spans);

    const path = `/2010-04-01/Accounts/${account.sid}/Usage/Records${sub ? `/${sub}` : ''}.json`;
    const uris = Object.fromEntries(Object.entries(SUBRESOURCES).map(([k, v]) => [v, `/2010-04-01/Accounts/${account.sid}/Usage/Records/${k}.json`]));
    // Newest span first, then the categories in Twilio's order.
    const records = [...spans].reverse().flatMap((s) => {
      const spanLast = grain ? Math.min(nextOf(grain, s) - DAY_MS, last) : last;
      const spanFirst = Math.max(s, first);
      return categories.map((category) => {
        const tally = tallies.get(s)?.get(category) ?? { count: 0, usage: 0 };
        const c = CATEGORIES[category];
        const window = `?Category=${category}&StartDate=${day(spanFirst)}&EndDate=${day(spanLast)}`;
        return {
          account_sid: account.sid,
          api_version: '2010-04-01',
          as_of: new Date(now).toISOString().replace(/\.\d{3}Z$/, '+00:00'),
          category,
          count: String(category === 'totalprice' ? 0 : tally.count),
          count_unit: c.countUnit,
          description: c.description,
          end_date: day(spanLast),
          price: 0,
          price_unit: 'usd',
          start_date: day(spanFirst),
          subresource_uris: uris,
          uri: `${path}${window}`,
          usage: String(category === 'totalprice' ? 0 : tally.usage),
          usage_unit: c.usageUnit,
        };
      });
    });
    const { records: shown, nextAfter } = pageOfList(records, page, (r) => `${r.start_date} ${r.category}`);
    const filters: Record<string, string> = {};
    for (const k of ['Category', 'StartDate', 'EndDate'] as const) {
      const v = str(q, k);
      if (v !== undefined) filters[k] = v;
    }
    return pageEnvelope('usage_records', path, filters, page, shown, nextAfter);
  };

  app.get(`${base}.json`, list(null));
  for (const sub of Object.keys(SUBRESOURCES) as Subresource[]) app.get(`${base}/${sub}.json`, list(sub));
}
