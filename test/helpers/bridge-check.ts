// The check both bridge tests make (legs on this thread, legs in media workers): far end X ↔ leg A ⇄ bridge ⇄
// leg B ↔ far end Y, and X's tone and digit must reach Y through the bridge, codecs converted on the way.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { bridgeMedia } from '../../protocols/rtp/bridge.js';
import type { MediaEndpoint } from '../../protocols/rtp/media-endpoint.js';
import { concat, rms, tone } from '../../protocols/rtp/tone.js';

export async function assertBridgeRelays(x: MediaEndpoint, a: MediaEndpoint, b: MediaEndpoint, y: MediaEndpoint): Promise<void> {
  x.setRemote({ address: '127.0.0.1', port: a.port });
  a.setRemote({ address: '127.0.0.1', port: x.port });
  b.setRemote({ address: '127.0.0.1', port: y.port });
  y.setRemote({ address: '127.0.0.1', port: b.port });
  const unbridge = bridgeMedia(a, b);
  const atY: Int16Array[] = [];
  const digitsAtY: string[] = [];
  y.on('audio', (f) => atY.push(f));
  y.on('dtmf', (d) => digitsAtY.push(d));
  const sent = tone([600], 400, 0.5);
  assert.equal(await x.play(sent), 'done');
  assert.equal(await x.sendDigits('7'), 'done');
  await sleep(400);
  unbridge();
  const heard = concat(atY);
  assert.ok(heard.length >= sent.length - 160, `${heard.length} samples relayed of ${sent.length}`);
  // Two G.711 conversions: compare loudness rather than samples, since the bridge may shift frames.
  assert.ok(Math.abs(rms(heard.subarray(0, sent.length - 160)) - rms(sent)) < rms(sent) * 0.1);
  assert.deepEqual(digitsAtY, ['7']);
}
