// When the owner's app fails: SmsFallbackUrl takes over, dead URLs and broken TwiML leave a Notification (11200,
// 11205, 12100, 12200, 12300) and send nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import twilio from 'twilio';
import { deadUrl } from '../helpers/ports.js';
import { startTandem, type Tandem } from '../helpers/tandem.js';
import { startWebhookApp, waitUntil, type WebhookApp } from '../helpers/webhook-app.js';
import { resourceSchema, responseSchema, shapeProblems } from '../helpers/spec-schema.js';
import { buyNumber, notificationsFor, sandboxMessages, sleep, textFromHandset } from './messages-inbound-helpers.js';

let t: Tandem;
let app: WebhookApp;

before(async () => {
  t = await startTandem({ env: { TANDEM_WEBHOOK_TIMEOUT_MS: '1000' } });
  app = await startWebhookApp(() => t.authToken);
});
after(async () => {
  await app.close();
  await t.cleanup();
});


async function inboundSid(path: string, from: string): Promise<string> {
  const rs = await app.waitFor((all) => all.some((r) => r.path === path && r.params.From === from));
  return rs.find((r) => r.path === path && r.params.From === from)!.params.MessageSid!;
}

async function notesFor(sid: string, n = 1) {
  return waitUntil(async () => {
    const got = await notificationsFor(t, sid);
    return got.length >= n ? got : undefined;
  }, 10_000, `${n} notification(s) for ${sid}`);
}

async function nothingSentFrom(number: string): Promise<void> {
  await sleep(300);
  assert.deepEqual((await sandboxMessages(t)).filter((m) => m.from === number), []);
}

test('a failing SmsUrl falls back to SmsFallbackUrl with ErrorCode/ErrorUrl, whose TwiML is run; 11200 is recorded', async () => {
  const number = await buyNumber(t, { SmsUrl: app.url + '/down', SmsFallbackUrl: app.url + '/fallback' });
  app.respond('/down', { status: 500, body: 'oops' });
  const r = new twilio.twiml.MessagingResponse();
  r.message('fallback reply');
  app.respond('/fallback', { body: r.toString() });
  await textFromHandset(t, '+15550003001', number, 'hello?');
  const fb = (await app.waitFor((rs) => rs.some((x) => x.path === '/fallback'))).find((x) => x.path === '/fallback')!;
  assert.ok(fb.signatureValid);
  assert.equal(fb.params.ErrorCode, '11200');
  assert.equal(fb.params.ErrorUrl, app.url + '/down');
  assert.equal(fb.params.Body, 'hello?');
  const reply = await waitUntil(async () => (await sandboxMessages(t)).find((m) => m.from === number), 10_000, 'fallback reply');
  assert.equal(reply.body, 'fallback reply');
  const [note] = await notesFor(fb.params.MessageSid!);
  assert.equal(note!.error_code, '11200');
  assert.equal(note!.request_url, app.url + '/down');
  assert.equal(note!.request_method, 'POST');
});

test('dead webhooks: connection refused → 11205, HTTP error and timeout → 11200; nothing sent', async () => {
  const refused = await buyNumber(t, { SmsUrl: await deadUrl() });
  const erroring = await buyNumber(t, { SmsUrl: app.url + '/error', SmsFallbackUrl: app.url + '/slow' });
  app.respond('/error', { status: 503 });
  app.respond('/slow', { delayMs: 3_000 });
  await textFromHandset(t, '+15550003002', refused, 'anyone?');
  await textFromHandset(t, '+15550003003', erroring, 'anyone?');

  const refusedSid = (await t.client().messages.list({ to: refused, from: '+15550003002' }))[0]!.sid;
  const [n1] = await notesFor(refusedSid);
  assert.equal(n1!.error_code, '11205');
  assert.equal(n1!.log, '0');

  const sid = await inboundSid('/error', '+15550003003');
  const notes = await notesFor(sid, 2);
  assert.deepEqual(notes.map((n) => n.error_code).sort(), ['11200', '11200']);
  assert.deepEqual(notes.map((n) => n.request_url).sort(), [app.url + '/error', app.url + '/slow']);
  await nothingSentFrom(refused);
  await nothingSentFrom(erroring);

  // An operator sees the same failures on /metrics, by outcome, next to the successful webhooks of the other tests.
  const metrics = await (await fetch(t.url + '/metrics')).text();
  const count = (outcome: string): number =>
    Number(new RegExp(`^tandem_webhook_duration_seconds_count\\{outcome="${outcome}"\\} (\\d+)$`, 'm').exec(metrics)?.[1] ?? 0);
  assert.ok(count('11205') >= 1, 'the refused connection is counted as 11205');
  assert.ok(count('11200') >= 2, 'the HTTP error and the timeout are counted as 11200');
  assert.ok(count('ok') >= 1, 'successful webhooks are counted too');
  assert.match(metrics, /^tandem_webhook_duration_seconds_bucket\{le="15",outcome="11200"\} \d+$/m);
});

test('broken TwiML: not well-formed → 12100, unknown verb → 12200, wrong content type → 12300, non-SMS To → 14101; no partial execution', async () => {
  const cases: [string, { type?: string; body: string }, string][] = [
    ['/malformed', { body: '<Response><Message>first</Message><Message>unclosed</Response>' }, '12100'],
    ['/unknown-verb', { body: '<Response><Message>first</Message><Dance/></Response>' }, '12200'],
    ['/json', { type: 'application/json', body: '{"reply":"hi"}' }, '12300'],
    // Well-formed, but one <Message> cannot be an SMS: none of the document's messages is sent.
    ['/channel', { body: '<Response><Message>first</Message><Message to="whatsapp:+15551234567">second</Message></Response>' }, '14101'],
  ];
  for (const [i, [path, answer, code]] of cases.entries()) {
    const number = await buyNumber(t, { SmsUrl: app.url + path });
    app.respond(path, answer);
    const from = `+1555000310${i}`;
    await textFromHandset(t, from, number, 'hi');
    const sid = await inboundSid(path, from);
    const [note] = await notesFor(sid);
    assert.equal(note!.error_code, code, path);
    await nothingSentFrom(number);
  }
});

test('Notifications API: newest first, paging, Log filter, fetch with request details, 404 for others', async () => {
  const list = async (q: string) => {
    const r = await t.fetch(`/2010-04-01/Accounts/${t.accountSid}/Notifications.json${q}`);
    assert.equal(r.status, 200);
    return (await r.json()) as { notifications: Record<string, unknown>[]; next_page_uri: string | null; page_size: number; uri: string };
  };
  const listBody = await list('?PageSize=1000');
  assert.deepEqual(shapeProblems(listBody, responseSchema('/2010-04-01/Accounts/{AccountSid}/Notifications.json')), []);
  const all = listBody.notifications;
  assert.ok(all.length >= 5, `${all.length} notifications so far`);
  const dates = all.map((n) => Date.parse(String(n.date_created)));
  assert.deepEqual(dates, [...dates].sort((a, b) => b - a));
  for (const n of all) {
    assert.match(String(n.sid), /^NO[0-9a-f]{32}$/);
    assert.equal(n.account_sid, t.accountSid);
    assert.equal(n.api_version, '2010-04-01');
    assert.equal(n.call_sid, null);
    assert.equal(typeof n.error_code, 'string');
    assert.equal(n.more_info, `https://www.twilio.com/docs/errors/${n.error_code}`);
    assert.equal(n.uri, `/2010-04-01/Accounts/${t.accountSid}/Notifications/${n.sid}.json`);
    assert.match(String(n.message_date), /^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000$/);
    assert.equal(n.request_variables, undefined, 'the list leaves out request details');
  }
  // Paging: one per page, following next_page_uri, visits every notification once.
  const seen: string[] = [];
  let page = await list('?PageSize=2');
  for (;;) {
    seen.push(...page.notifications.map((n) => String(n.sid)));
    if (!page.next_page_uri) break;
    const r = await t.fetch(page.next_page_uri);
    page = (await r.json()) as typeof page;
  }
  assert.deepEqual(seen, all.map((n) => n.sid));
  assert.equal((await list('?Log=1')).notifications.length, all.filter((n) => n.log === '1').length);
  assert.equal((await list('?Log=0')).notifications.length, all.filter((n) => n.log === '0').length);

  const withUrl = all.find((n) => n.request_url !== null)!;
  const r = await t.fetch(`/2010-04-01/Accounts/${t.accountSid}/Notifications/${withUrl.sid}.json`);
  assert.equal(r.status, 200);
  const one = (await r.json()) as Record<string, unknown>;
  assert.equal(one.sid, withUrl.sid);
  assert.deepEqual(shapeProblems(one, resourceSchema('notification-instance')), []);
  const vars = new URLSearchParams(String(one.request_variables));
  assert.match(vars.get('MessageSid') ?? '', /^SM/);
  assert.equal(vars.get('AccountSid'), t.accountSid);
  const missing = await t.fetch(`/2010-04-01/Accounts/${t.accountSid}/Notifications/NO${'0'.repeat(32)}.json`);
  assert.equal(missing.status, 404);
  assert.equal(((await missing.json()) as { code: number }).code, 20404);
});
