// API keys through the official twilio client: the account makes a key (Keys.json), production code then
// authenticates with twilio(keySid, secret, { accountSid }) and sends a text; the key cannot reach credentials
// (the account's auth_token, other keys, subaccounts), acts for its own account only, outlives a restart, and a
// deleted key stops working at once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTandem, type Tandem } from '../helpers/tandem.js';
import { rejectsWithCode, twilioKeyClient } from '../helpers/twilio-client.js';
import { waitUntil } from '../helpers/webhook-app.js';

let t: Tandem;
before(async () => {
  t = await startTandem();
});
after(async () => {
  await t.cleanup();
});


async function buyNumber(): Promise<string> {
  const c = t.client();
  const [n] = await c.availablePhoneNumbers('US').local.list({ areaCode: 212, smsEnabled: true, limit: 1 });
  await c.incomingPhoneNumbers.create({ phoneNumber: n!.phoneNumber });
  return n!.phoneNumber;
}

test('a key made through Keys.json sends a message with the official client, and its secret is shown only once', async () => {
  const made = await t.client().newKeys.create({ friendlyName: 'backend' });
  assert.match(made.sid, /^SK[0-9a-f]{32}$/);
  assert.match(made.secret, /^[A-Za-z0-9]{32}$/);
  assert.equal(made.friendlyName, 'backend');
  assert.ok(made.dateCreated instanceof Date && !Number.isNaN(made.dateCreated.getTime()));

  const from = await buyNumber();
  const keyClient = twilioKeyClient(t.url, made.sid, made.secret, t.accountSid);
  const msg = await keyClient.messages.create({ from, to: '+15557654321', body: 'sent with an API key' });
  assert.equal(msg.accountSid, t.accountSid);
  assert.equal(msg.status, 'queued');
  await waitUntil(
    async () => {
      const r = await fetch(t.url + '/sandbox/Messages.json');
      const { messages } = (await r.json()) as { messages: { from: string; body: string }[] };
      return messages.some((m) => m.from === from && m.body === 'sent with an API key') || undefined;
    },
    10_000,
    'the message at the carrier',
  );
  assert.equal((await keyClient.messages(msg.sid).fetch()).body, 'sent with an API key');

  // The account sees the key, without its secret, and can rename it.
  const listed = await t.client().keys.list();
  const entry = listed.find((k) => k.sid === made.sid);
  assert.equal(entry?.friendlyName, 'backend');
  const raw = await t.fetch(`/2010-04-01/Accounts/${t.accountSid}/Keys/${made.sid}.json`);
  assert.deepEqual(Object.keys((await raw.json()) as object).sort(), ['date_created', 'date_updated', 'friendly_name', 'sid']);
  assert.equal((await t.client().keys(made.sid).update({ friendlyName: 'backend-2' })).friendlyName, 'backend-2');
  assert.equal((await t.client().keys(made.sid).fetch()).friendlyName, 'backend-2');
});

test('a standard key cannot read or make credentials, nor act for another account; a wrong secret is 401', async () => {
  const c = t.client();
  const made = await c.newKeys.create({ friendlyName: 'standard' });
  const keyClient = twilioKeyClient(t.url, made.sid, made.secret, t.accountSid);
  // The account resource carries the auth token; keys and subaccounts make credentials.
  await rejectsWithCode(keyClient.api.v2010.accounts(t.accountSid).fetch(), 401, 20003);
  await rejectsWithCode(keyClient.keys.list(), 401, 20003);
  await rejectsWithCode(keyClient.newKeys.create({ friendlyName: 'escalated' }), 401, 20003);
  await rejectsWithCode(keyClient.api.v2010.accounts.create({ friendlyName: 'escalated' }), 401, 20003);
  await rejectsWithCode(keyClient.api.v2010.accounts.list(), 401, 20003);
  // Everything else of its own account works.
  assert.ok(Array.isArray(await keyClient.incomingPhoneNumbers.list()));

  // The parent's key does not reach into a subaccount, unlike the parent's Auth Token.
  const sub = await c.api.v2010.accounts.create({ friendlyName: 'sub' });
  const intoSub = twilioKeyClient(t.url, made.sid, made.secret, sub.sid);
  await rejectsWithCode(intoSub.messages.list({ limit: 1 }), 404, 20404);
  assert.ok(Array.isArray(await t.client(t.accountSid, t.authToken).api.v2010.accounts(sub.sid).messages.list({ limit: 1 })));

  await rejectsWithCode(twilioKeyClient(t.url, made.sid, 'x'.repeat(32), t.accountSid).messages.list({ limit: 1 }), 401, 20003);
  await rejectsWithCode(twilioKeyClient(t.url, 'SK' + '0'.repeat(32), made.secret, t.accountSid).messages.list({ limit: 1 }), 401, 20003);
  // A subaccount's key list does not show the parent's keys, nor can the subaccount fetch one of them.
  const subClient = t.client(sub.sid, sub.authToken);
  assert.equal((await subClient.keys.list()).length, 0);
  await rejectsWithCode(subClient.keys(made.sid).fetch(), 404, 20404);
});

test('a key outlives a restart (LMDB), and once deleted it authenticates nothing', async () => {
  const made = await t.client().newKeys.create({ friendlyName: 'to revoke' });
  t = await t.restart();
  const keyClient = () => twilioKeyClient(t.url, made.sid, made.secret, t.accountSid);
  assert.ok(Array.isArray(await keyClient().messages.list({ limit: 1 })));
  assert.equal(await t.client().keys(made.sid).remove(), true);
  await rejectsWithCode(keyClient().messages.list({ limit: 1 }), 401, 20003);
  await rejectsWithCode(t.client().keys(made.sid).fetch(), 404, 20404);
  assert.ok(!(await t.client().keys.list()).some((k) => k.sid === made.sid));
});
