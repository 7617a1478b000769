// Monitor alerts through the official client (monitor.twilio.com is rewritten to tandem like every Twilio host): a
// dead webhook's 11205 shows at /v1/Alerts as it does at Notifications, with its log level, its resource, and what
// tandem sent, filtered by level and date, and only to its own account.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { deadUrl } from '../helpers/ports.js';
import { startTandem, type Tandem } from '../helpers/tandem.js';
import { rejectsWithCode } from '../helpers/twilio-client.js';
import { waitUntil } from '../helpers/webhook-app.js';
import { buyNumber, textFromHandset } from './messages-inbound-helpers.js';

let t: Tandem;

before(async () => {
  t = await startTandem();
});
after(async () => {
  await t.cleanup();
});


test('a dead SmsUrl shows as an error alert naming the message, the URL and what was sent', async () => {
  const c = t.client();
  const url = await deadUrl();
  const number = await buyNumber(t, { SmsUrl: url });
  await textFromHandset(t, '+15550009501', number, 'anyone there?');
  const [alert] = await waitUntil(async () => {
    const xs = await c.monitor.v1.alerts.list();
    return xs.length > 0 ? xs : undefined;
  }, 15_000, 'an alert');
  assert.equal(alert!.errorCode, '11205');
  assert.equal(alert!.logLevel, 'error');
  assert.equal(alert!.requestUrl, url);
  assert.equal(alert!.accountSid, t.accountSid);
  assert.ok(alert!.dateGenerated instanceof Date && !Number.isNaN(alert!.dateGenerated.getTime()));
  const inbound = (await c.messages.list({ to: number }))[0]!;
  assert.equal(alert!.resourceSid, inbound.sid);
  // The same record as the Notifications resource, under the same SID.
  const notifications = await c.notifications.list();
  assert.ok(notifications.some((n) => n.sid === alert!.sid && n.errorCode === '11205'));

  const full = await c.monitor.v1.alerts(alert!.sid).fetch();
  assert.match(String(full.requestVariables), /Body=anyone(\+|%20)there%3F/);

  assert.equal((await c.monitor.v1.alerts.list({ logLevel: 'error' })).length, 1);
  assert.deepEqual(await c.monitor.v1.alerts.list({ logLevel: 'warning' }), []);
  const tomorrow = new Date(Date.now() + 86_400_000);
  assert.deepEqual(await c.monitor.v1.alerts.list({ startDate: tomorrow }), []);
  assert.equal((await c.monitor.v1.alerts.list({ endDate: tomorrow })).length, 1);

  const sub = await c.api.v2010.accounts.create({ friendlyName: 'other' });
  const sc = t.client(sub.sid, sub.authToken);
  assert.deepEqual(await sc.monitor.v1.alerts.list(), []);
  await rejectsWithCode(sc.monitor.v1.alerts(alert!.sid).fetch(), 404, 20404);
  await rejectsWithCode(c.monitor.v1.alerts.list({ logLevel: 'loud' as never }), 400, 20001);
});
