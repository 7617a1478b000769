import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRtpPacket } from 'rtp-parser';
import { allocRtpPacket, PacketRing, parseRtp, RtpPacketError, RTP_HEADER_LENGTH } from '../../protocols/rtp/packet.js';

test('a built packet parses back to the same header and payload', () => {
  const header = { marker: true, payloadType: 8, sequenceNumber: 65535, timestamp: 0xfffffff0, ssrc: 0xdeadbeef };
  const buf = allocRtpPacket(header, 3);
  buf.set([1, 2, 3], RTP_HEADER_LENGTH);
  assert.equal(buf.length, 15);
  const p = parseRtp(buf);
  assert.deepEqual({ marker: p.marker, payloadType: p.payloadType, sequenceNumber: p.sequenceNumber, timestamp: p.timestamp, ssrc: p.ssrc }, header);
  assert.deepEqual([...p.payload], [1, 2, 3]);
  assert.deepEqual(p.csrc, []);
});

// V=2 P=0 X=0 CC=2, PT 0, then two CSRCs, then payload 0xAA 0xBB.
const withCsrc = Buffer.from('8200000100000010000000aa' + '11111111' + '22222222' + 'aabb', 'hex');

test('CSRC ids are read from offset 12, where rtp-parser gets them wrong', () => {
  assert.notDeepEqual(parseRtpPacket(withCsrc).csrc, [0x11111111, 0x22222222]); // the quirk we correct
  const p = parseRtp(withCsrc);
  assert.deepEqual(p.csrc, [0x11111111, 0x22222222]);
  assert.deepEqual([...p.payload], [0xaa, 0xbb]);
});

test('header extension and padding are stripped from the payload', () => {
  // V=2 P=1 X=1 CC=0; extension profile 0xBEDE with 1 word; payload 0x01 0x02; 2 bytes of padding.
  const buf = Buffer.from('b000000100000010000000aa' + 'bede0001' + 'deadbeef' + '0102' + '0002', 'hex');
  assert.equal(parseRtpPacket(buf).payload.length, 12); // rtp-parser leaves extension and padding in
  assert.deepEqual([...parseRtp(buf).payload], [0x01, 0x02]);
});

test('malformed datagrams are rejected, not trusted', () => {
  assert.throws(() => parseRtp(Buffer.alloc(8)), RtpPacketError);
  assert.throws(() => parseRtp(Buffer.from('4000000100000010000000aa', 'hex')), /version 1/);
  assert.throws(() => parseRtp(Buffer.from('8f00000100000010000000aa', 'hex')), /CSRC count/); // CC=15, no room
  assert.throws(() => parseRtp(Buffer.from('9000000100000010000000aa' + 'bede0009', 'hex')), /extension/);
  assert.throws(() => parseRtp(Buffer.from('a000000100000010000000aa' + '01ff', 'hex')), /padding/);
  assert.throws(() => parseRtp(Buffer.from('80c8000100000010000000aa', 'hex')), /RTCP/); // a sender report
});

test('a PacketRing hands out whole packets with their header written and reuses each only after `size` others', () => {
  const ring = new PacketRing(160, 4);
  const taken = Array.from({ length: 4 }, (_, i) => ring.take(i === 0, 8, 65534 + i, 0xfffffff0 + 160 * i, 0xdeadbeef));
  assert.equal(new Set(taken).size, 4, 'four distinct buffers before any is reused');
  for (const [i, buf] of taken.entries()) {
    assert.equal(buf.length, RTP_HEADER_LENGTH + 160);
    const p = parseRtp(buf);
    assert.equal(p.marker, i === 0);
    assert.equal(p.payloadType, 8);
    assert.equal(p.sequenceNumber, (65534 + i) & 0xffff);
    assert.equal(p.timestamp, (0xfffffff0 + 160 * i) >>> 0);
    assert.equal(p.ssrc, 0xdeadbeef);
    assert.equal(p.payload.length, 160);
  }
  assert.equal(ring.take(false, 0, 1, 2, 3), taken[0], 'the fifth take reuses the first buffer');
});
