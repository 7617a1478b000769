// TANDEM_API_CONCURRENCY: past its bound of requests in flight, an account is answered 429 / 20429 at once, as Twilio
// answers; other accounts are not affected, and a request whose client hangs up gives its slot back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { startTandem, type Tandem } from '../helpers/tandem.js';
import { twilioClient } from '../helpers/twilio-client.js';

const LIMIT = 2;
let t: Tandem;

before(async () => {
  t = await startTandem({ env: { TANDEM_API_CONCURRENCY: String(LIMIT) } });
});
after(async () => {
  await t.cleanup();
});

/** A create whose headers arrive but whose body never does: tandem holds it in flight until the socket goes. */
async function heldRequest(): Promise<Socket> {
  const u = new URL(t.url);
  const socket = connect(Number(u.port), u.hostname);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const auth = Buffer.from(`${t.accountSid}:${t.authToken}`).toString('base64');
  socket.write(
    `POST /2010-04-01/Accounts/${t.accountSid}/Messages.json HTTP/1.1\r\nHost: ${u.host}\r\nAuthorization: Basic ${auth}\r\n` +
      'Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 500\r\n\r\nTo=%2B1',
  );
  return socket;
}

/** The status of a cheap authenticated request (the account's message list). */
async function listStatus(): Promise<number> {
  const r = await t.fetch(`/2010-04-01/Accounts/${t.accountSid}/Messages.json?PageSize=1`);
  await r.arrayBuffer();
  return r.status;
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('an account at its bound of requests in flight gets 429 / 20429, other accounts do not, and hung-up requests free their slots', async () => {
  const c = t.client();
  const sub = await c.api.v2010.accounts.create({ friendlyName: 'other app' });
  // Below the bound, requests in parallel are all served.
  const both = await Promise.all([c.messages.list({ limit: 1 }), c.messages.list({ limit: 1 })]);
  assert.equal(both.length, LIMIT);

  const held = [await heldRequest(), await heldRequest()];
  await until('the held requests to fill the account', async () => (await listStatus()) === 429);

  // The official client sees Twilio's error, and the body is Twilio's shape.
  await assert.rejects(c.messages.list({ limit: 1 }), (e: { status: number; code: number; moreInfo: string }) => {
    assert.equal(e.status, 429);
    assert.equal(e.code, 20429);
    assert.equal(e.moreInfo, 'https://www.twilio.com/docs/errors/20429');
    return true;
  });
  const r = await t.fetch(`/2010-04-01/Accounts/${t.accountSid}/Messages.json`);
  assert.equal(r.status, 429);
  const body = (await r.json()) as { code: number; status: number; message: string };
  assert.equal(body.code, 20429);
  assert.equal(body.status, 429);
  assert.match(body.message, /Too Many Requests/);

  // The bound is per account: a subaccount with its own credentials is served meanwhile.
  const sc = t.client(sub.sid, sub.authToken);
  assert.equal((await sc.api.v2010.accounts(sub.sid).fetch()).sid, sub.sid);
  // Routes without credentials are not counted.
  assert.equal((await fetch(`${t.url}/healthz`)).status, 200);

  // The clients hang up without ever sending their bodies: their slots come back.
  for (const s of held) s.destroy();
  await until('the slots to be released', async () => (await listStatus()) === 200);
  const again = await Promise.all([c.messages.list({ limit: 1 }), c.messages.list({ limit: 1 })]);
  assert.equal(again.length, LIMIT);
  const metrics = await (await fetch(`${t.url}/metrics`)).text();
  assert.match(metrics, /tandem_http_requests_total\{[^}]*status="429"[^}]*\} [1-9]/);
});

/** The account's 429 answers so far, from /metrics. */
async function throttledSoFar(): Promise<number> {
  const text = await (await fetch(`${t.url}/metrics`)).text();
  let n = 0;
  for (const m of text.matchAll(/^tandem_http_requests_total\{[^}]*status="429"[^}]*\} (\d+)$/gm)) n += Number(m[1]);
  return n;
}

test("the official client's autoRetry gets through once the account has a free slot again", async () => {
  const held = [await heldRequest(), await heldRequest()];
  await until('the held requests to fill the account', async () => (await listStatus()) === 429);
  const before = await throttledSoFar();
  // Retries back off with full jitter (up to 0.2 s, 0.4 s, … capped at 3 s); ten leave room for the release below.
  const retrying = twilioClient(t.url, t.accountSid, t.authToken, { autoRetry: true, maxRetries: 10 });
  const sent = retrying.messages.list({ limit: 1 });
  // Its first attempt was refused; then the held clients hang up and a retry is served.
  await until('the first attempt to be refused', async () => (await throttledSoFar()) > before);
  for (const s of held) s.destroy();
  assert.ok(Array.isArray(await sent));
});
