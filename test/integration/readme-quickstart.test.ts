// The README's first steps, run as written (bash and curl) against a fresh tandem on its default inventory: what a
// new user copies from "Try it with no phone and no carrier" must work, numbers and all.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { startTandem, type Tandem } from '../helpers/tandem.js';
import { startWebhookApp, waitUntil, type WebhookApp } from '../helpers/webhook-app.js';
import { voiceTwiml } from './voice-helpers.js';

let t: Tandem;
let app: WebhookApp;

before(async () => {
  t = await startTandem({ seedUsLocal: 'default' });
  app = await startWebhookApp(() => t.authToken);
});
after(async () => {
  await app.close();
  await t.cleanup();
});

/** The ```sh blocks between two headings of the README, in order. */
function shBlocks(from: string, to: string): string[] {
  const readme = readFileSync('README.md', 'utf8');
  const start = readme.indexOf(from);
  const end = readme.indexOf(to, start);
  assert.ok(start >= 0 && end > start, `README sections ${from} … ${to}`);
  return [...readme.slice(start, end).matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

/**
 * Runs README lines with bash against this tandem (its port in place of 3000, the printed credentials in place of
 * `AC…` and `…`); each curl's answer comes back as one element.
 */
async function runAsWritten(script: string): Promise<string[]> {
  const body = script
    .replace('SID=AC…; TOKEN=…;', `SID=${t.accountSid}; TOKEN=${t.authToken};`)
    .replaceAll('http://127.0.0.1:3000', t.url);
  // Every curl's answer on a line of its own, and any failing curl fails the script.
  const prelude = 'set -euo pipefail\ncurl() { command curl --fail-with-body --max-time 20 "$@"; echo; }\n';
  const out = await new Promise<string>((resolve, reject) =>
    execFile('bash', ['-c', prelude + body], { timeout: 60_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${err.message}\n${stdout}\n${stderr}`)) : resolve(stdout),
    ),
  );
  return out.split('\n').filter((l) => l.trim() !== '');
}

test('the README quick start works as written: search, buy, send, receive, call', async () => {
  const [tryIt, receive] = shBlocks('## Try it with no phone and no carrier', '### The sandbox carrier');
  const [calls] = shBlocks('### Calls with no phone', '## Point the official Twilio client');
  assert.ok(tryIt && receive && calls);
  const num = /^NUM=(\+\d+)/m.exec(tryIt)?.[1];
  assert.ok(num, 'the README names the number it buys');

  // Search, buy, send.
  const [search, bought, sent, sandbox] = (await runAsWritten(tryIt)).map((l) => JSON.parse(l) as Record<string, unknown>);
  const found = (search!.available_phone_numbers as { phone_number: string; friendly_name: string }[]).map((n) => n.phone_number);
  assert.ok(found.includes(num), `the search the README shows finds ${num}: ${found.join(', ')}`);
  assert.equal(bought!.phone_number, num);
  assert.equal(bought!.sms_url, 'https://your-app.example/sms');
  assert.equal(sent!.status, 'queued');
  assert.equal(sent!.from, num);
  assert.equal(sent!.direction, 'outbound-api');
  assert.ok(Array.isArray(sandbox!.messages));
  // A person types the next line a moment later; by then the carrier has the text.
  const atCarrier = await waitUntil(async () => {
    const r = (await (await fetch(t.url + '/sandbox/Messages.json')).json()) as { messages: { from: string; to: string; body: string }[] };
    return r.messages.find((m) => m.from === num);
  }, 10_000, 'the text at the sandbox carrier');
  assert.deepEqual({ to: atCarrier.to, body: atCarrier.body }, { to: '+15551234567', body: 'hello from tandem' });

  // Receive: the sandbox handset texts the number; the Messages list shows the inbound message.
  const [delivered, listed] = (await runAsWritten(`NUM=${num}; SID=AC…; TOKEN=…; API=http://127.0.0.1:3000/2010-04-01/Accounts/$SID\n${receive}`)).map(
    (l) => JSON.parse(l) as Record<string, unknown>,
  );
  assert.equal(delivered!.status, 'delivered-to-tandem');
  const inbound = (listed!.messages as { from: string; to: string; body: string; direction: string; status: string }[])[0];
  assert.deepEqual(inbound && { from: inbound.from, body: inbound.body, direction: inbound.direction, status: inbound.status }, {
    from: '+15550001111',
    body: 'hello',
    direction: 'inbound',
    status: 'received',
  });

  // Calls: "give a number a VoiceUrl, then": the handset calls it, and tandem calls the handset.
  const pn = ((await (await t.fetch(`/2010-04-01/Accounts/${t.accountSid}/IncomingPhoneNumbers.json?PhoneNumber=${encodeURIComponent(num)}`)).json()) as {
    incoming_phone_numbers: { sid: string }[];
  }).incoming_phone_numbers[0]!;
  app.respond('/voice', { body: voiceTwiml((r) => { r.gather({ action: app.url + '/done', timeout: 5 }).say('Press one and pound'); r.hangup(); }) });
  app.respond('/done', { body: voiceTwiml((r) => { r.say('Thanks'); r.hangup(); }) });
  const set = await t.fetch(`/2010-04-01/Accounts/${t.accountSid}/IncomingPhoneNumbers/${pn.sid}.json`, {
    method: 'POST',
    body: new URLSearchParams({ VoiceUrl: app.url + '/voice' }),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(set.status, 200);
  const lines = await runAsWritten(`NUM=${num}; SID=AC…; TOKEN=…; API=http://127.0.0.1:3000/2010-04-01/Accounts/$SID\n${calls}`);
  const placed = JSON.parse(lines[0]!) as { direction: string; to: string };
  assert.deepEqual({ direction: placed.direction, to: placed.to }, { direction: 'outgoing', to: num });
  const created = JSON.parse(lines[2]!) as { sid: string; status: string; from: string };
  assert.equal(created.from, num);
  assert.match(created.sid, /^CA[0-9a-f]{32}$/);
  const handset = async () => ((await (await fetch(t.url + '/sandbox/Calls.json')).json()) as { calls: { direction: string; status: string; call_sid: string | null; verbs: string[]; digits_heard: string }[] }).calls;
  const heard = await waitUntil(async () => (await handset()).find((c) => c.call_sid === created.sid && c.status === 'completed'), 20_000, 'the API call heard by the handset');
  assert.deepEqual(heard.verbs, ['Say: Hello from tandem', 'Play digits: 12#']);
  assert.equal(heard.digits_heard, '12#');
  // The handset's call: the number's VoiceUrl answered, and its <Gather> got the 1 the handset pressed before #.
  const [done] = (await app.waitFor((rs) => rs.some((x) => x.path === '/done'), 20_000)).filter((x) => x.path === '/done');
  assert.equal(done!.params.Digits, '1');
  assert.equal(done!.params.To, num);
  assert.ok(done!.signatureValid);
});
