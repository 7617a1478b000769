// Two RtpEndpoints on loopback, real UDP sockets and the real shared clock.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { RtpEndpoint } from '../../protocols/rtp/endpoint.js';
import { PortPool } from '../../protocols/rtp/port-pool.js';
import { concat, tone } from '../../protocols/rtp/tone.js';
import type { NegotiatedMedia } from '../../protocols/rtp/sdp.js';
import { assertBridgeRelays } from '../helpers/bridge-check.js';

function freshPool(): PortPool {
  const base = 20000 + 2 * Math.floor(Math.random() * 10000);
  return new PortPool(`${base}-${base + 199}`);
}

const ulaw: NegotiatedMedia = { codec: { pt: 0, name: 'PCMU', rate: 8000 }, telephoneEventPt: 101 };
const alaw: NegotiatedMedia = { codec: { pt: 8, name: 'PCMA', rate: 8000 }, telephoneEventPt: 96 };

/** Opens an endpoint that is closed when the test ends, pass or fail, so a failure cannot hang the run. */
async function open(t: TestContext, opts: Parameters<typeof RtpEndpoint.open>[0]): Promise<RtpEndpoint> {
  const ep = await RtpEndpoint.open(opts);
  t.after(() => ep.close());
  return ep;
}

async function pair(t: TestContext, media: NegotiatedMedia) {
  const pool = freshPool();
  const caller = await open(t, { pool, media });
  const callee = await open(t, { pool, media });
  // Only the caller knows where to send (from SDP); the callee must learn it from the first packet.
  caller.setRemote({ address: '127.0.0.1', port: callee.port });
  return { pool, caller, callee };
}

for (const media of [ulaw, alaw]) {
  test(`${media.codec.name}: a played tone arrives paced at 20 ms and decodes to the tone within G.711 error`, async (t) => {
    const { caller, callee } = await pair(t, media);
    const frames: Int16Array[] = [];
    const arrivals: number[] = [];
    callee.on('audio', (f) => {
      frames.push(f);
      arrivals.push(performance.now());
    });
    const latched = once(callee, 'latched');
    callee.startRecording();
    const sent = tone([440], 1000, 0.5);
    const startedAt = performance.now();
    assert.equal(await caller.play(sent), 'done');
    const playMs = performance.now() - startedAt;
    await sleep(60);
    const [remote] = await latched;
    assert.deepEqual(remote, { address: '127.0.0.1', port: caller.port });

    assert.equal(frames.length, 50);
    const heard = concat(frames);
    assert.deepEqual(callee.stopRecording(), heard);
    for (let i = 0; i < sent.length; i++) {
      const err = Math.abs(heard[i]! - sent[i]!);
      assert.ok(err <= Math.abs(sent[i]!) / 16 + 16, `sample ${i}: sent ${sent[i]} heard ${heard[i]}`);
    }
    // Mean spacing over the middle 40 packets: a stall of this shared machine bunches a few packets
    // (the clock then sends the missed ticks back to back) but cannot move the average off 20 ms.
    const meanGap = (arrivals[45]! - arrivals[5]!) / 40;
    assert.ok(meanGap > 15 && meanGap < 25, `mean gap ${meanGap.toFixed(2)} ms`);
    // The clock runs on wall time: after a stall of this shared machine it sends the missed ticks
    // (at most 10) back to back rather than falling behind, so 50 frames take 49 ticks give or take that;
    // a longer stall is skipped and delays the audio.
    assert.ok(playMs >= 39 * 20 && playMs < 2500, `50 frames played in ${playMs.toFixed(0)} ms`);
    // RFC 3550 jitter in ms: small on loopback, though a busy machine's stalls show up in it.
    const jitter = callee.stats().jitterMs;
    assert.ok(jitter >= 0 && jitter < 50, `jitter ${jitter.toFixed(2)} ms`);

    const stats = callee.stats();
    assert.equal(stats.packetsIn, 50);
    assert.equal(stats.lost, 0);
    assert.equal(caller.stats().packetsOut, 50);

    // Symmetric RTP: the callee answers to the address it latched.
    const back: Int16Array[] = [];
    caller.on('audio', (f) => back.push(f));
    assert.equal(await callee.play(tone([1000], 100)), 'done');
    await sleep(60);
    assert.equal(back.length, 5);
    await Promise.all([caller.close(), callee.close()]);
  });
}

test('digits arrive exactly once each, on the negotiated telephone-event PT', async (t) => {
  for (const media of [ulaw, alaw]) {
    const { caller, callee } = await pair(t, media);
    const heard: string[] = [];
    callee.on('dtmf', (d) => heard.push(d));
    assert.equal(await caller.sendDigits('12#'), 'done');
    await sleep(60);
    assert.deepEqual(heard, ['1', '2', '#']);
    await Promise.all([caller.close(), callee.close()]);
  }
});

test('without telephone-event, digits go in-band as tones and no events are seen', async (t) => {
  const noEvents: NegotiatedMedia = { codec: { pt: 0, name: 'PCMU', rate: 8000 } };
  const { caller, callee } = await pair(t, noEvents);
  const heard: string[] = [];
  let frames = 0;
  callee.on('dtmf', (d) => heard.push(d));
  callee.on('audio', () => frames++);
  assert.equal(await caller.sendDigits('5'), 'done');
  await sleep(60);
  assert.deepEqual(heard, []);
  assert.ok(frames >= 8, `${frames} audio frames`);
  await Promise.all([caller.close(), callee.close()]);
});

test('stopPlayback interrupts the playing item and everything queued behind it', async (t) => {
  const { caller, callee } = await pair(t, ulaw);
  const first = caller.play(tone([440], 5000));
  const second = caller.play(tone([440], 5000));
  const digits = caller.sendDigits('9');
  await sleep(100);
  assert.equal(caller.playing, true);
  caller.stopPlayback();
  assert.deepEqual(await Promise.all([first, second, digits]), ['interrupted', 'interrupted', 'interrupted']);
  assert.equal(caller.playing, false);
  const looped = caller.play(tone([440], 40), { loop: 0 });
  await sleep(150);
  await caller.close();
  assert.equal(await looped, 'interrupted');
  await callee.close();
});

test('a media timeout fires when no RTP arrives, and the port returns to the pool on close', async (t) => {
  const pool = freshPool();
  const before = pool.available;
  const started = performance.now();
  const lonely = await open(t, { pool, media: ulaw, mediaTimeoutMs: 200 });
  assert.equal(pool.available, before - 1);
  await once(lonely, 'timeout');
  const waited = performance.now() - started;
  assert.ok(waited >= 195 && waited < 1000, `timeout after ${waited.toFixed(0)} ms`);
  await lonely.close();
  assert.equal(pool.available, before);
});

test('silence is sent while idle only when asked', async (t) => {
  const pool = freshPool();
  const quiet = await open(t, { pool, media: ulaw });
  const steady = await open(t, { pool, media: ulaw, sendSilence: true });
  quiet.setRemote({ address: '127.0.0.1', port: steady.port });
  steady.setRemote({ address: '127.0.0.1', port: quiet.port });
  await sleep(200);
  assert.equal(quiet.stats().packetsOut, 0);
  assert.ok(steady.stats().packetsOut >= 8, `${steady.stats().packetsOut} silence packets`);
  assert.ok(quiet.stats().packetsIn >= 8);
  await Promise.all([quiet.close(), steady.close()]);
});

test('bridged legs: audio and digits from one far end reach the other, across PCMU and PCMA', async (t) => {
  const pool = freshPool();
  // far end X ↔ leg A (PCMU) ⇄ bridge ⇄ leg B (PCMA) ↔ far end Y
  const x = await open(t, { pool, media: ulaw });
  const a = await open(t, { pool, media: ulaw });
  const b = await open(t, { pool, media: alaw });
  const y = await open(t, { pool, media: alaw });
  await assertBridgeRelays(x, a, b, y);
  await Promise.all([x, a, b, y].map((e) => e.close()));
});

test('a hold address (0.0.0.0) stops sending, a new SDP address resumes it and re-latches', async (t) => {
  const { caller, callee } = await pair(t, ulaw);
  const got: number[] = [];
  callee.on('audio', () => got.push(performance.now()));
  void caller.play(tone([440], 2000));
  await sleep(150);
  const before = got.length;
  assert.ok(before >= 5, `${before} frames before hold`);
  caller.setRemote({ address: '0.0.0.0', port: callee.port });
  assert.equal(caller.remote, undefined);
  await sleep(150);
  const during = got.length;
  await sleep(150);
  assert.equal(got.length, during, 'nothing arrives while on hold');
  caller.setRemote({ address: '127.0.0.1', port: callee.port });
  await sleep(300);
  assert.ok(got.length >= during + 5, `media resumes (${got.length - during} frames)`);
  caller.stopPlayback();
});

test('after a long stall of the process, the stream resumes with RTP timestamps still on wall time', async (t) => {
  const { createSocket } = await import('node:dgram');
  const { parseRtp } = await import('../../protocols/rtp/packet.js');
  const sink = createSocket('udp4');
  await new Promise<void>((resolve) => sink.bind(0, '127.0.0.1', resolve));
  t.after(() => sink.close());
  const got: { ts: number; seq: number; marker: boolean; at: number }[] = [];
  sink.on('message', (m) => {
    const p = parseRtp(m);
    got.push({ ts: p.timestamp, seq: p.sequenceNumber, marker: p.marker, at: performance.now() });
  });
  const sender = await open(t, { pool: freshPool(), media: ulaw, remote: { address: '127.0.0.1', port: sink.address().port } });
  void sender.play(tone([440], 3000));
  await sleep(200);
  const stallUntil = performance.now() + 400; // longer than the clock's 10-tick catch-up
  while (performance.now() < stallUntil);
  await sleep(300);
  sender.stopPlayback();
  await sleep(40);
  // The ticks lost to the 400 ms stall show up as one jump of the timestamps (not as a stream running
  // 400 ms late), on a packet marked as a new talkspurt.
  let jump = 1;
  const tsGap = (i: number) => ((got[i]!.ts - got[i - 1]!.ts) >>> 0) / 8;
  for (let i = 2; i < got.length; i++) if (tsGap(i) > tsGap(jump)) jump = i;
  assert.ok(tsGap(jump) >= 300 && tsGap(jump) <= 500, `largest timestamp jump ${tsGap(jump)} ms for a 400 ms stall`);
  assert.equal(got[jump]!.marker, true);
  // End to end the RTP clock matches the wall clock, give or take one catch-up burst (10 ticks).
  const rtpMs = ((got.at(-1)!.ts - got[0]!.ts) >>> 0) / 8;
  const wallMs = got.at(-1)!.at - got[0]!.at;
  assert.ok(Math.abs(rtpMs - wallMs) <= 250, `RTP clock ${rtpMs} ms vs wall ${wallMs.toFixed(0)} ms`);
  assert.ok(got.every((p, i) => i === 0 || p.seq === ((got[i - 1]!.seq + 1) & 0xffff)), 'no sequence gaps: nothing was lost');
});
