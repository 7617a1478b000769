// Usage records through the official client: what the account's texts (in segments), calls and numbers add up to,
// counted from its own Messages as the carrier saw them, for today, by day and by month, in Twilio's shape.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTandem, type Tandem } from '../helpers/tandem.js';
import { rejectsWithCode } from '../helpers/twilio-client.js';
import { responseSchema, shapeProblems } from '../helpers/spec-schema.js';
import { waitUntil } from '../helpers/webhook-app.js';
import { buyNumber, textFromHandset } from './messages-inbound-helpers.js';

let t: Tandem;

before(async () => {
  t = await startTandem();
});
after(async () => {
  await t.cleanup();
});

test('texts sent and received add up per category in segments; one the carrier refused costs nothing', async () => {
  const c = t.client();
  const number = await buyNumber(t, {});
  const one = await c.messages.create({ from: number, to: '+15550009601', body: 'one segment' });
  const two = await c.messages.create({ from: number, to: '+15550009602', body: 'x'.repeat(200) });
  const refused = await c.messages.create({ from: number, to: '+15005550007', body: 'rejected at submit' });
  await textFromHandset(t, '+15550009603', number, 'hello back');
  await waitUntil(async () => {
    const states = await Promise.all([one, two, refused].map(async (m) => (await c.messages(m.sid).fetch()).status));
    return states[0] === 'delivered' && states[1] === 'delivered' && states[2] === 'failed' ? true : undefined;
  }, 15_000, 'the outbound texts settled');
  await waitUntil(async () => ((await c.messages.list({ to: number })).length === 1 ? true : undefined), 10_000, 'the inbound text stored');

  const today = new Map((await c.usage.records.today.list()).map((r) => [r.category, r]));
  const tally = (cat: string) => [Number(today.get(cat)!.count), Number(today.get(cat)!.usage)];
  assert.deepEqual(tally('sms'), [3, 4]);
  assert.deepEqual(tally('sms-outbound'), [2, 3]);
  assert.deepEqual(tally('sms-outbound-longcode'), [2, 3]);
  assert.deepEqual(tally('sms-outbound-shortcode'), [0, 0]);
  assert.deepEqual(tally('sms-inbound'), [1, 1]);
  assert.deepEqual(tally('phonenumbers'), [1, 1]);
  assert.deepEqual(tally('calls'), [0, 0]);
  assert.equal(today.get('sms')!.usageUnit, 'segments');
  assert.equal(today.get('sms')!.countUnit, 'messages');
  assert.equal(Number(today.get('totalprice')!.usage), 0, 'tandem charges nothing');
  const todayIso = new Date().toISOString().slice(0, 10);
  assert.equal(today.get('sms')!.startDate.toISOString().slice(0, 10), todayIso);

  const raw = await (await t.fetch(`/2010-04-01/Accounts/${t.accountSid}/Usage/Records/Today.json`)).json();
  assert.deepEqual(shapeProblems(raw, responseSchema('/2010-04-01/Accounts/{AccountSid}/Usage/Records/Today.json')), []);
});

test('by day, by month and over a range, filtered by category', async () => {
  const c = t.client();
  const daily = await c.usage.records.daily.list({ category: 'sms', startDate: new Date(Date.now() - 86_400_000) });
  assert.equal(daily.length, 2, 'yesterday and today');
  const [newest, older] = daily;
  assert.equal(newest!.startDate.toISOString().slice(0, 10), new Date().toISOString().slice(0, 10));
  assert.equal(Number(newest!.count), 3);
  assert.equal(Number(older!.count), 0);
  const monthly = await c.usage.records.thisMonth.list({ category: 'sms-outbound' });
  assert.deepEqual(monthly.map((r) => Number(r.usage)), [3]);
  const range = await c.usage.records.list({ category: 'sms-inbound', startDate: new Date(Date.now() - 7 * 86_400_000), endDate: new Date() });
  assert.deepEqual(range.map((r) => [Number(r.count), r.category]), [[1, 'sms-inbound']]);
  assert.deepEqual((await c.usage.records.yesterday.list({ category: 'sms' })).map((r) => Number(r.count)), [0]);
  // A subaccount used nothing.
  const sub = await c.api.v2010.accounts.create({ friendlyName: 'idle' });
  assert.deepEqual((await t.client(sub.sid, sub.authToken).usage.records.today.list({ category: 'sms' })).map((r) => Number(r.count)), [0]);
  await rejectsWithCode(c.usage.records.list({ category: 'rocket-fuel' as never }), 400, 20001);
  // Decades of days in one list are refused rather than built.
  await rejectsWithCode(c.usage.records.daily.list({ startDate: new Date('1990-01-01') }), 400, 20001);
});
