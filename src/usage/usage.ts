// What an account used over a span of days (Twilio's Usage Records), counted from its own records rather than kept
// as counters beside them, so it can never disagree with the Messages and Calls lists: texts that reached or came
// from a carrier (in segments), completed calls (in minutes), numbers and short codes held. The scan walks the
// account's time-ordered indexes and yields to the event loop every few thousand records, so a year of traffic
// does not stall the switch. tandem charges nothing: every price is 0.
import type { Tables } from '../store/db.js';
import type { CallRecord, MessageRecord, NumberRecord } from '../store/records.js';

export interface UsageTally {
  count: number;
  usage: number;
}

/** Twilio's usage categories that tandem has something to count for, with their units. */
export const CATEGORIES = {
  sms: { description: 'SMS', countUnit: 'messages', usageUnit: 'segments' },
  'sms-inbound': { description: 'SMS Inbound', countUnit: 'messages', usageUnit: 'segments' },
  'sms-inbound-longcode': { description: 'SMS Inbound Longcode', countUnit: 'messages', usageUnit: 'segments' },
  'sms-inbound-shortcode': { description: 'SMS Inbound Shortcode', countUnit: 'messages', usageUnit: 'segments' },
  'sms-outbound': { description: 'SMS Outbound', countUnit: 'messages', usageUnit: 'segments' },
  'sms-outbound-longcode': { description: 'SMS Outbound Longcode', countUnit: 'messages', usageUnit: 'segments' },
  'sms-outbound-shortcode': { description: 'SMS Outbound Shortcode', countUnit: 'messages', usageUnit: 'segments' },
  calls: { description: 'Voice Minutes', countUnit: 'calls', usageUnit: 'minutes' },
  'calls-inbound': { description: 'Inbound Voice Minutes', countUnit: 'calls', usageUnit: 'minutes' },
  'calls-outbound': { description: 'Outbound Voice Minutes', countUnit: 'calls', usageUnit: 'minutes' },
  phonenumbers: { description: 'Phone Numbers', countUnit: 'numbers', usageUnit: 'numbers' },
  shortcodes: { description: 'Short Codes', countUnit: 'shortcodes', usageUnit: 'shortcodes' },
  totalprice: { description: 'Total Price', countUnit: '', usageUnit: 'usd' },
} as const;

export type Category = keyof typeof CATEGORIES;

export const DAY_MS = 86_400_000;
/** Records read between yields to the event loop. */
const CHUNK = 2_000;

/** Per-category tallies for each span, keyed by the span's start (UTC midnight, epoch ms). */
export type UsageBySpan = Map<number, Map<Category, UsageTally>>;

/**
 * Tallies the account's usage from `startMs` to `endMs` (inclusive), into spans that `spanOf` names by their start
 * (one span for a whole range; a day, month or year each for the Daily / Monthly / Yearly lists).
 */
export async function tallyUsage(
  t: Tables,
  readMessage: (sid: string) => MessageRecord | undefined,
  accountSid: string,
  startMs: number,
  endMs: number,
  spanOf: (ms: number) => number,
  spans: readonly number[],
): Promise<UsageBySpan> {
  const out: UsageBySpan = new Map(spans.map((s) => [s, new Map()]));
  const add = (at: number, category: Category, count: number, usage: number) => {
    const span = out.get(spanOf(at));
    if (!span) return;
    const tally = span.get(category) ?? { count: 0, usage: 0 };
    tally.count += count;
    tally.usage += usage;
    span.set(category, tally);
  };
  const shortCodes = new Set<string>();
  // A span ends where the next begins (the last at the range's end); a number is held in every span that ends after
  // it was bought.
  const ends = spans.map((s, i) => (i + 1 < spans.length ? spans[i + 1]! - 1 : endMs));
  for (const { value } of t.numbersByAccount.getRange({ start: [accountSid, 0, ''], end: [accountSid, Number.MAX_SAFE_INTEGER, ''] })) {
    const n = t.numbers.get(value);
    if (!n) continue;
    if (n.numberType === 'shortCode') shortCodes.add(n.phoneNumber);
    spans.forEach((s, i) => {
      if (n.dateCreated <= ends[i]!) heldIn(out, s, n);
    });
  }
  // Newest first in the index: [account, -dateCreated, sid].
  let read = 0;
  for (const { value } of t.messagesByAccount.getRange({ start: [accountSid, -endMs, ''], end: [accountSid, -startMs, '\uffff'] })) {
    if (++read % CHUNK === 0) await new Promise((r) => setImmediate(r));
    const m = readMessage(value);
    if (!m) continue;
    const inbound = m.direction === 'inbound';
    // What a carrier carried: received texts, and sent ones it took (a text refused or expired in its queue is free).
    if (!inbound && m.dateSent === null) continue;
    const short = shortCodes.has(inbound ? m.to : m.from);
    const dir = inbound ? 'sms-inbound' : 'sms-outbound';
    add(m.dateCreated, 'sms', 1, m.numSegments);
    add(m.dateCreated, dir, 1, m.numSegments);
    add(m.dateCreated, `${dir}-${short ? 'shortcode' : 'longcode'}`, 1, m.numSegments);
  }
  for (const { value } of t.callsByAccount.getRange({ start: [accountSid, -endMs, ''], end: [accountSid, -startMs, '\uffff'] })) {
    if (++read % CHUNK === 0) await new Promise((r) => setImmediate(r));
    const c: CallRecord | undefined = t.calls.get(value);
    if (!c || c.status !== 'completed') continue;
    const minutes = Math.ceil((c.duration ?? 0) / 60);
    add(c.dateCreated, 'calls', 1, minutes);
    add(c.dateCreated, c.direction === 'inbound' ? 'calls-inbound' : 'calls-outbound', 1, minutes);
  }
  return out;
}

function heldIn(out: UsageBySpan, span: number, n: NumberRecord): void {
  const tallies = out.get(span)!;
  const category: Category = n.numberType === 'shortCode' ? 'shortcodes' : 'phonenumbers';
  const tally = tallies.get(category) ?? { count: 0, usage: 0 };
  tally.count += 1;
  tally.usage += 1;
  tallies.set(category, tally);
}
