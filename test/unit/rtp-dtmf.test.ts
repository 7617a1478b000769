import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DtmfDetector, parseTelephoneEvent, planDigits, writeTelephoneEvent } from '../../protocols/rtp/dtmf.js';
import { allocRtpPacket, parseRtp, RTP_HEADER_LENGTH } from '../../protocols/rtp/packet.js';

/** Turns a digit plan into the packets an endpoint would send, one per 20 ms tick. */
function packetsFor(digits: string, pt = 96): Buffer[] {
  const out: Buffer[] = [];
  let seq = 100;
  let ts = 5000;
  let eventTs = 0;
  for (const step of planDigits(digits)) {
    if (step.kind === 'event') {
      if (step.first) eventTs = ts;
      const buf = allocRtpPacket({ marker: step.first, payloadType: pt, sequenceNumber: seq++, timestamp: eventTs, ssrc: 7 }, 4);
      writeTelephoneEvent(buf, RTP_HEADER_LENGTH, step.event);
      out.push(buf);
    }
    ts += 160;
  }
  return out;
}

test('every digit sent is detected exactly once, end packets retransmitted or not', () => {
  const detector = new DtmfDetector();
  const heard: string[] = [];
  for (const buf of packetsFor('0123456789*#ABCD')) {
    const p = parseRtp(buf);
    const d = detector.onPacket(p.ssrc, p.timestamp, p.payload);
    if (d) heard.push(d);
  }
  assert.equal(heard.join(''), '0123456789*#ABCD');
});

test('the same digit pressed twice in a row counts twice (new timestamp), a replayed end packet does not', () => {
  const packets = packetsFor('55');
  const detector = new DtmfDetector();
  const heard: string[] = [];
  for (const buf of [...packets, ...packets.slice(-4)]) {
    const p = parseRtp(buf);
    const d = detector.onPacket(p.ssrc, p.timestamp, p.payload);
    if (d) heard.push(d);
  }
  assert.deepEqual(heard, ['5', '5']);
});

test('a digit is sent as M=1 first, growing durations, then three identical end packets', () => {
  const packets = packetsFor('#').map(parseRtp);
  assert.equal(packets.length, 8 + 3);
  assert.deepEqual(packets.map((p) => p.marker), [true, ...Array(10).fill(false)]);
  assert.equal(new Set(packets.map((p) => p.timestamp)).size, 1);
  const events = packets.map((p) => parseTelephoneEvent(p.payload)!);
  assert.deepEqual(events.map((e) => e.event), Array(11).fill(11));
  assert.deepEqual(events.map((e) => e.duration), [160, 320, 480, 640, 800, 960, 1120, 1280, 1280, 1280, 1280]);
  assert.deepEqual(events.map((e) => e.end), [...Array(8).fill(false), true, true, true]);
  assert.equal(events[0]!.volume, 10);
});

test('w pauses half a second, W a second; anything else is refused before sending', () => {
  const pauses = (s: string) => planDigits(s).filter((x) => x.kind === 'pause').length;
  assert.equal(pauses('w') * 20, 500);
  assert.equal(pauses('W') * 20, 1000);
  assert.throws(() => planDigits('12x'), /"x" is not a DTMF digit/);
});
