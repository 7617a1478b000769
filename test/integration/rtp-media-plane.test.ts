// Endpoints in media worker threads (MediaPlane) against RtpEndpoints on this thread, over real UDP on loopback:
// what a call's code does with its media must behave as it does with an endpoint on the main thread.
import { after, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { MediaPlane, type RemoteRtpEndpoint } from '../../protocols/rtp/media-plane.js';
import { RtpEndpoint } from '../../protocols/rtp/endpoint.js';
import { PortPool } from '../../protocols/rtp/port-pool.js';
import { bridgeMedia } from '../../protocols/rtp/bridge.js';
import { concat, rms, tone } from '../../protocols/rtp/tone.js';
import type { NegotiatedMedia } from '../../protocols/rtp/sdp.js';
import { assertBridgeRelays } from '../helpers/bridge-check.js';

const ulaw: NegotiatedMedia = { codec: { pt: 0, name: 'PCMU', rate: 8000 }, telephoneEventPt: 101 };
const alaw: NegotiatedMedia = { codec: { pt: 8, name: 'PCMA', rate: 8000 }, telephoneEventPt: 96 };

function freshPool(): PortPool {
  const base = 20000 + 2 * Math.floor(Math.random() * 10000);
  return new PortPool(`${base}-${base + 199}`);
}

// One two-worker plane for the tests that do not stop or kill workers (starting one takes a moment).
let sharedPlane: Promise<MediaPlane> | undefined;
function plane(): Promise<MediaPlane> {
  sharedPlane ??= MediaPlane.start({ workers: 2 });
  return sharedPlane;
}
after(async () => (await sharedPlane)?.close());

async function local(t: TestContext, pool: PortPool, media: NegotiatedMedia): Promise<RtpEndpoint> {
  const ep = await RtpEndpoint.open({ pool, media });
  t.after(() => ep.close());
  return ep;
}

test('a worker endpoint plays paced audio, hears digits and records what the far end says', async (t) => {
  const p = await plane();
  const pool = freshPool();
  const leg = await p.open({ pool, media: ulaw });
  const far = await local(t, pool, ulaw);
  leg.setRemote({ address: '127.0.0.1', port: far.port });
  far.setRemote({ address: '127.0.0.1', port: leg.port });

  const arrivals: number[] = [];
  const frames: Int16Array[] = [];
  far.on('audio', (f) => {
    frames.push(f);
    arrivals.push(performance.now());
  });
  const sent = tone([440], 1000, 0.5);
  const playing = leg.play(sent);
  await sleep(40);
  assert.equal(leg.playing, true);
  assert.equal(await playing, 'done');
  assert.equal(leg.playing, false);
  await sleep(60);
  assert.equal(frames.length, 50);
  const meanGap = (arrivals[45]! - arrivals[5]!) / 40;
  assert.ok(meanGap > 15 && meanGap < 25, `mean gap ${meanGap.toFixed(2)} ms`);
  assert.ok(Math.abs(rms(concat(frames)) - rms(sent)) < rms(sent) * 0.05);

  const digits: string[] = [];
  leg.on('dtmf', (d) => digits.push(d));
  leg.startRecording();
  const said = tone([300], 600, 0.4);
  assert.equal(await far.play(said), 'done');
  assert.equal(await far.sendDigits('4*'), 'done');
  await sleep(80);
  assert.deepEqual(digits, ['4', '*']);
  const heard = await leg.stopRecording();
  assert.ok(heard.length >= said.length, `${heard.length} samples recorded`);
  assert.ok(Math.abs(rms(heard.subarray(0, said.length)) - rms(said)) < rms(said) * 0.05);
  const stats = await leg.stats();
  assert.ok(stats.packetsIn >= 30 && stats.lost === 0, JSON.stringify(stats));
  await leg.close();
});

test("'audio' listeners get the worker endpoint's inbound frames only while they listen", async (t) => {
  const p = await plane();
  const pool = freshPool();
  const leg = await p.open({ pool, media: alaw });
  const far = await local(t, pool, alaw);
  far.setRemote({ address: '127.0.0.1', port: leg.port });
  const got: Int16Array[] = [];
  const onAudio = (f: Int16Array) => got.push(f.slice());
  leg.on('audio', onAudio);
  const [remote] = (await Promise.all([once(leg, 'latched'), far.play(tone([500], 400, 0.3))]))[0] as [{ port: number }];
  assert.equal(remote.port, far.port);
  await sleep(60);
  assert.ok(got.length >= 18 && got.length <= 21, `${got.length} frames`);
  assert.ok(got.every((f) => f.length === 160));
  leg.off('audio', onAudio);
  await sleep(30);
  const count = got.length;
  await far.play(tone([500], 200, 0.3));
  await sleep(60);
  assert.equal(got.length, count);
  await leg.close();
});

test('stopPlayback and close interrupt what the worker is playing; the port goes back to the pool', async (t) => {
  const p = await plane();
  const pool = freshPool();
  const before = pool.available;
  const leg = await p.open({ pool, media: ulaw, remote: { address: '127.0.0.1', port: 9 } });
  assert.equal(pool.available, before - 1);
  const first = leg.play(tone([440], 5000));
  const second = leg.sendDigits('123');
  await sleep(60);
  leg.stopPlayback();
  assert.deepEqual(await Promise.all([first, second]), ['interrupted', 'interrupted']);
  const looped = leg.play(tone([440], 40), { loop: 0 });
  await sleep(60);
  await leg.close();
  assert.equal(await looped, 'interrupted');
  assert.equal(pool.available, before);
  assert.equal(await leg.play(tone([440], 40)), 'interrupted');
  await assert.rejects(leg.sendDigits('x'), RangeError);
});

test('legs opened near each other bridge inside their worker: audio and digits cross, PCMU to PCMA', async (t) => {
  const p = await plane();
  const pool = freshPool();
  const a = await p.open({ pool, media: ulaw });
  const b = await p.open({ pool, media: alaw, near: a });
  assert.equal(b.workerIndex, a.workerIndex);
  const x = await local(t, pool, ulaw);
  const y = await local(t, pool, alaw);
  await assertBridgeRelays(x, a, b, y);
  await Promise.all([a.close(), b.close()]);
});

test('legs in different workers still bridge, through the main thread', async (t) => {
  const p = await plane();
  const pool = freshPool();
  const a = await p.open({ pool, media: ulaw });
  const b = await p.open({ pool, media: ulaw });
  assert.notEqual(a.workerIndex, b.workerIndex, 'the second endpoint goes to the idle worker');
  const x = await local(t, pool, ulaw);
  const y = await local(t, pool, ulaw);
  x.setRemote({ address: '127.0.0.1', port: a.port });
  b.setRemote({ address: '127.0.0.1', port: y.port });
  const unbridge = bridgeMedia(a, b);
  const atY: Int16Array[] = [];
  y.on('audio', (f) => atY.push(f));
  const sent = tone([600], 400, 0.5);
  assert.equal(await x.play(sent), 'done');
  await sleep(300);
  unbridge();
  assert.ok(concat(atY).length >= sent.length - 320, `${concat(atY).length} samples relayed`);
  await Promise.all([a.close(), b.close()]);
});

test('a worker that dies ends its endpoints visibly (failed, plays interrupted, ports freed) and is replaced', async (t) => {
  const errors: string[] = [];
  const p = await MediaPlane.start({ workers: 1, restartDelayMs: 50, logger: { warn: () => undefined, error: (m) => errors.push(m) } });
  t.after(() => p.close());
  const pool = freshPool();
  const before = pool.available;
  const leg: RemoteRtpEndpoint = await p.open({ pool, media: ulaw, remote: { address: '127.0.0.1', port: 9 } });
  const playing = leg.play(tone([440], 5000));
  const failed = once(leg, 'failed');
  const [thread] = p.threads();
  await thread!.terminate();
  const [err] = (await failed) as [Error];
  assert.match(err.message, /media worker 0/);
  assert.equal(await playing, 'interrupted');
  assert.equal(pool.available, before);
  assert.equal(errors.length, 1);
  assert.match(errors[0]!, /media worker 0 died.*1 endpoint/);
  await leg.close(); // harmless after the loss

  // The replacement takes new calls.
  const deadline = Date.now() + 20_000;
  let next: RemoteRtpEndpoint | undefined;
  while (!next && Date.now() < deadline) {
    next = await p.open({ pool, media: ulaw }).catch(() => undefined);
    if (!next) await sleep(100);
  }
  assert.ok(next, 'a new endpoint opens on the replacement worker');
  const stats = await p.stats();
  assert.equal(stats[0]!.restarts, 1);
  assert.equal(stats[0]!.alive, true);
  await next.close();
});

test('close() stops the workers; what was playing resolves and the plane takes no more endpoints', async () => {
  const p = await MediaPlane.start({ workers: 2 });
  const pool = freshPool();
  const leg = await p.open({ pool, media: ulaw, remote: { address: '127.0.0.1', port: 9 } });
  const playing = leg.play(tone([440], 5000));
  const threads = p.threads();
  const exits = threads.map((w) => once(w, 'exit'));
  await p.close();
  await Promise.all(exits);
  assert.equal(await playing, 'interrupted');
  assert.equal(pool.available, pool.size);
  await assert.rejects(p.open({ pool }), /stopped/);
});

test('a burst of opens spreads over the workers', async () => {
  const p = await plane();
  const pool = freshPool();
  const eps = await Promise.all(Array.from({ length: 10 }, () => p.open({ pool, media: ulaw })));
  const perWorker = [0, 0];
  for (const ep of eps) perWorker[ep.workerIndex]!++;
  assert.deepEqual(perWorker, [5, 5]);
  await Promise.all(eps.map((e) => e.close()));
});
