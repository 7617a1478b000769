// Where call media runs: TANDEM_MEDIA_WORKERS worker threads (started once tandem is up, visible in /metrics), or
// with TANDEM_MEDIA_WORKERS=0 the main thread. Either way a call sounds the same to the handset.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTandem, type Tandem } from '../helpers/tandem.js';
import { waitUntil } from '../helpers/webhook-app.js';
import { buyVoiceNumber, fetchCall, form, voiceTwiml, type CallJson } from './voice-helpers.js';

interface HandsetCall {
  call_sid: string | null;
  status: string;
  verbs: string[];
  digits_heard: string;
  audio_heard_ms: number;
}

async function metric(t: Tandem, name: string): Promise<number | undefined> {
  const text = await (await fetch(t.url + '/metrics')).text();
  const line = text.split('\n').find((l) => l.startsWith(name + ' '));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

/** An API call to the sandbox handset that says something and presses digits: what the handset heard. */
async function callHandset(t: Tandem): Promise<HandsetCall> {
  const from = await buyVoiceNumber(t, {});
  const r = await form(t, `/2010-04-01/Accounts/${t.accountSid}/Calls.json`, {
    From: from,
    To: '+15551113333',
    Twiml: voiceTwiml((v) => { v.say('Media check'); v.play({ digits: '9#' }); v.hangup(); }),
  });
  assert.equal(r.status, 201, await r.clone().text());
  const created = (await r.json()) as CallJson;
  const heard = await waitUntil(async () => {
    const calls = ((await (await fetch(t.url + '/sandbox/Calls.json')).json()) as { calls: HandsetCall[] }).calls;
    return calls.find((c) => c.call_sid === created.sid && c.status === 'completed');
  }, 15_000, 'handset call completed');
  const call = await waitUntil(async () => { const c = await fetchCall(t, created.sid); return c.status === 'completed' ? c : undefined; }, 10_000, 'call completed');
  assert.equal(call.direction, 'outbound-api');
  return heard;
}

test('by default two media workers start once tandem is up, show in /metrics, and carry a call', async (ctx) => {
  const t = await startTandem();
  ctx.after(() => t.cleanup());
  const alive = await waitUntil(async () => ((await metric(t, 'tandem_media_workers_alive')) === 2 ? 2 : undefined), 15_000, 'two media workers alive');
  assert.equal(alive, 2);
  const heard = await callHandset(t);
  assert.deepEqual(heard.verbs, ['Say: Media check', 'Play digits: 9#', 'Hangup']);
  assert.equal(heard.digits_heard, '9#');
  assert.ok(heard.audio_heard_ms > 300, `heard ${heard.audio_heard_ms} ms of audio`);
  assert.equal(await metric(t, 'tandem_media_worker_restarts'), 0);
});

test('TANDEM_MEDIA_WORKERS=0 runs call media on the main thread: no workers in /metrics, the call sounds the same', async (ctx) => {
  const t = await startTandem({ env: { TANDEM_MEDIA_WORKERS: '0' } });
  ctx.after(() => t.cleanup());
  assert.equal(await metric(t, 'tandem_media_workers_alive'), undefined);
  const heard = await callHandset(t);
  assert.deepEqual(heard.verbs, ['Say: Media check', 'Play digits: 9#', 'Hangup']);
  assert.equal(heard.digits_heard, '9#');
  assert.ok(heard.audio_heard_ms > 300, `heard ${heard.audio_heard_ms} ms of audio`);
});
