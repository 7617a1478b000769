// Carrier failures of outbound messages are Notifications too, and an account sees only its own.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTandem, type Tandem } from '../helpers/tandem.js';
import { waitUntil } from '../helpers/webhook-app.js';
import { buyNumber, notificationsFor } from './messages-inbound-helpers.js';

let t: Tandem;

before(async () => {
  t = await startTandem();
});
after(async () => {
  await t.cleanup();
});

test('a submit rejected by the carrier (30007) and an undelivered receipt (30003) each leave a notification', async () => {
  const from = await buyNumber(t, {});
  const c = t.client();
  const rejected = await c.messages.create({ from, to: '+15005550007', body: 'rejected at submit' });
  const undelivered = await c.messages.create({ from, to: '+15005550003', body: 'never reaches the handset' });
  for (const [m, code] of [[rejected, '30007'], [undelivered, '30003']] as const) {
    const [n] = await waitUntil(async () => {
      const got = await notificationsFor(t, m.sid);
      return got.length > 0 ? got : undefined;
    }, 10_000, `notification ${code}`);
    assert.equal(n!.error_code, code);
    assert.equal(n!.log, '0');
    assert.match(new URLSearchParams(n!.message_text).get('Msg') ?? '', new RegExp(m.to.replace('+', '\\+')));
    const fetched = await c.messages(m.sid).fetch();
    assert.equal(String(fetched.errorCode), code);
  }
});

test('notifications are per account: a subaccount lists none of its parent\'s and cannot fetch them', async () => {
  const c = t.client();
  const sub = await c.api.v2010.accounts.create({ friendlyName: 'tenant' });
  const parentList = await (await t.fetch(`/2010-04-01/Accounts/${t.accountSid}/Notifications.json`)).json() as { notifications: { sid: string }[] };
  const someSid = parentList.notifications[0]!.sid;
  const auth: [string, string] = [sub.sid, sub.authToken];
  const subList = await (await t.fetch(`/2010-04-01/Accounts/${sub.sid}/Notifications.json`, { auth })).json() as { notifications: unknown[] };
  assert.deepEqual(subList.notifications, []);
  const r = await t.fetch(`/2010-04-01/Accounts/${sub.sid}/Notifications/${someSid}.json`, { auth });
  assert.equal(r.status, 404);
});
