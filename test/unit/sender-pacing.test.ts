import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SegmentPacer } from '../../actors/number/pacer.js';
import { SenderQueue, queueCapSegments } from '../../actors/number/sender-queue.js';

test('a long code paced at 1 segment/s never releases two segments within one second, even after idling', () => {
  const p = new SegmentPacer(1);
  const sent: number[] = [];
  let now = 10_000;
  for (let i = 0; i < 50; i++) {
    now += p.wait(now);
    p.take(now);
    sent.push(now);
  }
  for (let i = 1; i < sent.length; i++) assert.ok(sent[i]! - sent[i - 1]! >= 1000);
  const rate = (sent.length - 1) / ((sent.at(-1)! - sent[0]!) / 1000);
  assert.ok(rate > 0.99 && rate <= 1, `rate ${rate}`);
  now += 60_000; // idle: no burst credit builds up
  p.take(now);
  assert.ok(p.wait(now) >= 1000);
});

test('short code 100/s and toll-free 3/s spacing', () => {
  const s = new SegmentPacer(100);
  s.take(5000);
  assert.ok(Math.abs(s.wait(5000) - 10.05) < 0.01);
  const t = new SegmentPacer(3);
  t.take(5000);
  assert.ok(Math.abs(t.wait(5000) - 335) < 0.1);
  // A sender whose last segment left 300 ms ago (before a restart) waits out the rest of its second.
  const restarted = new SegmentPacer(1, 50, 300);
  assert.ok(Math.abs(restarted.wait(50) - 705) < 0.1);
  assert.equal(new SegmentPacer(1, 50).wait(50), 0);
});

test('the sender queue is FIFO, counts segments, and is bounded at 10 hours of traffic', () => {
  assert.equal(queueCapSegments(1), 36_000);
  assert.equal(queueCapSegments(3), 108_000);
  assert.equal(queueCapSegments(100), 3_600_000);
  const q = new SenderQueue();
  const cap = 5;
  for (let i = 0; i < 3; i++) {
    assert.ok(q.fits(1, cap));
    q.push({ sid: `S${i}`, seq: i, segments: 1, expiresAt: 1000 + i, durable: true });
  }
  assert.ok(q.fits(2, cap));
  assert.ok(!q.fits(3, cap));
  q.push({ sid: 'S3', seq: 3, segments: 2, expiresAt: 5000, durable: true });
  assert.equal(q.segments, 5);
  assert.equal(q.shift()!.sid, 'S0');
  const expired = q.removeExpired(1001.5);
  assert.deepEqual(expired.map((m) => m.sid), ['S1']);
  assert.deepEqual([q.shift()!.sid, q.shift()!.sid], ['S2', 'S3']);
  assert.equal(q.length, 0);
  assert.equal(q.segments, 0);
});

test('the sender queue finds any waiting message by sid, and none that has left', () => {
  const q = new SenderQueue();
  for (let i = 0; i < 2_000; i++) q.push({ sid: `S${i}`, seq: i, segments: 1, expiresAt: 10_000, durable: false });
  for (let i = 0; i < 500; i++) q.shift();
  for (const i of [500, 501, 1_234, 1_998, 1_999]) assert.equal(q.find(`S${i}`)?.seq, i);
  for (const sid of ['S0', 'S499', 'S2000']) assert.equal(q.find(sid), undefined);
  // Found entries are the queue's own: marking one durable is seen when it reaches the head.
  q.find('S500')!.durable = true;
  assert.equal(q.peek()?.durable, true);
  // Past the compaction of the consumed prefix too.
  for (let i = 0; i < 1_100; i++) q.shift();
  assert.equal(q.length, 400);
  assert.equal(q.find('S1600')?.seq, 1_600);
  assert.equal(q.find('S1599'), undefined);
});

test('a segment that reached the carrier late pushes the next one back from its real arrival', () => {
  const p = new SegmentPacer(5); // 201 ms
  p.take(10_000);
  p.settle(10_000, 10_001); // normal round trip: no change
  assert.ok(Math.abs(p.wait(10_000) - 201) < 0.1);
  p.settle(10_000, 13_000); // waited 3 s for a bind: arrived about 13 s
  assert.ok(p.wait(13_000) >= 199);
});
