import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTandem, type Tandem } from '../helpers/tandem.js';

let t: Tandem;
before(async () => {
  t = await startTandem();
});
after(async () => {
  await t.cleanup();
});

test('the default account is printed at start and fetchable with the official client', async () => {
  assert.match(t.output(), /AccountSid AC[0-9a-f]{32}/);
  const me = await t.client().api.v2010.accounts(t.accountSid).fetch();
  assert.equal(me.sid, t.accountSid);
  assert.equal(me.status, 'active');
  assert.equal(me.ownerAccountSid, t.accountSid);
  assert.ok(me.dateCreated instanceof Date && !Number.isNaN(me.dateCreated.getTime()));
});

test('wrong credentials get 401 with code 20003', async () => {
  const bad = t.client(t.accountSid, 'not-the-token');
  await assert.rejects(bad.api.v2010.accounts(t.accountSid).fetch(), (e: { status: number; code: number }) => {
    assert.equal(e.status, 401);
    assert.equal(e.code, 20003);
    return true;
  });
  const r = await t.fetch(`/2010-04-01/Accounts/${t.accountSid}.json`, { auth: null });
  assert.equal(r.status, 401);
  const body = (await r.json()) as Record<string, unknown>;
  assert.deepEqual(Object.keys(body).sort(), ['code', 'message', 'more_info', 'status']);
});

test('subaccounts: create, list, fetch, rename, suspend and close through the parent', async () => {
  const c = t.client();
  const sub = await c.api.v2010.accounts.create({ friendlyName: 'shop' });
  assert.match(sub.sid, /^AC[0-9a-f]{32}$/);
  assert.equal(sub.ownerAccountSid, t.accountSid);
  assert.equal(sub.friendlyName, 'shop');

  const listed = await c.api.v2010.accounts.list();
  const sids = listed.map((a) => a.sid);
  assert.ok(sids.includes(t.accountSid) && sids.includes(sub.sid));
  const byName = await c.api.v2010.accounts.list({ friendlyName: 'shop' });
  assert.deepEqual(byName.map((a) => a.sid), [sub.sid]);

  // The subaccount's own credentials work, and it cannot see its parent.
  const sc = t.client(sub.sid, sub.authToken);
  assert.equal((await sc.api.v2010.accounts(sub.sid).fetch()).friendlyName, 'shop');
  await assert.rejects(sc.api.v2010.accounts(t.accountSid).fetch(), (e: { status: number; code: number }) => e.status === 404 && e.code === 20404);

  const renamed = await c.api.v2010.accounts(sub.sid).update({ friendlyName: 'shop-2' });
  assert.equal(renamed.friendlyName, 'shop-2');
  const suspended = await c.api.v2010.accounts(sub.sid).update({ status: 'suspended' });
  assert.equal(suspended.status, 'suspended');
  await assert.rejects(sc.api.v2010.accounts(sub.sid).fetch(), (e: { status: number }) => e.status === 401);
  assert.equal((await c.api.v2010.accounts(sub.sid).update({ status: 'active' })).status, 'active');
  assert.equal((await sc.api.v2010.accounts(sub.sid).fetch()).status, 'active');
  assert.equal((await c.api.v2010.accounts(sub.sid).update({ status: 'closed' })).status, 'closed');
  await assert.rejects(c.api.v2010.accounts(sub.sid).update({ status: 'active' }), (e: { status: number }) => e.status === 400);
});

test('one subaccount cannot see another (404, never leaked)', async () => {
  const c = t.client();
  const a = await c.api.v2010.accounts.create({ friendlyName: 'a' });
  const b = await c.api.v2010.accounts.create({ friendlyName: 'b' });
  const ac = t.client(a.sid, a.authToken);
  await assert.rejects(ac.api.v2010.accounts(b.sid).fetch(), (e: { status: number; code: number }) => e.status === 404 && e.code === 20404);
  const list = await ac.api.v2010.accounts.list();
  assert.deepEqual(list.map((x) => x.sid), [a.sid]);
});

test('paging follows next_page_uri until every account is listed once', async () => {
  const c = t.client();
  for (let i = 0; i < 5; i++) await c.api.v2010.accounts.create({ friendlyName: `page-${i}` });
  const all = await c.api.v2010.accounts.list({ pageSize: 2 });
  const sids = all.map((a) => a.sid);
  assert.equal(new Set(sids).size, sids.length, 'no duplicates across pages');
  assert.ok(sids.length >= 6);
  const r = await t.fetch('/2010-04-01/Accounts.json?PageSize=2');
  const page = (await r.json()) as { next_page_uri: string | null; accounts: unknown[] };
  assert.equal(page.accounts.length, 2);
  assert.match(page.next_page_uri!, /PageToken=PA/);
  const bad = await t.fetch('/2010-04-01/Accounts.json?PageToken=garbage');
  assert.equal(((await bad.json()) as { code: number }).code, 21481);
});

test('unknown routes answer Twilio-shaped 404s, /metrics exposes Prometheus text', async () => {
  const r = await t.fetch(`/2010-04-01/Accounts/${t.accountSid}/Nope.json`);
  assert.equal(r.status, 404);
  assert.equal(((await r.json()) as { code: number }).code, 20404);
  const m = await fetch(t.url + '/metrics');
  assert.match(await m.text(), /tandem_http_requests_total/);
});

test('accounts survive a restart on the same data dir, with the same credentials', async () => {
  const c = t.client();
  const sub = await c.api.v2010.accounts.create({ friendlyName: 'durable' });
  t = await t.restart();
  const again = await t.client().api.v2010.accounts(sub.sid).fetch();
  assert.equal(again.friendlyName, 'durable');
  assert.equal(again.authToken, sub.authToken);
});
