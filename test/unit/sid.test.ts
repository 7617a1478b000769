// SIDs look like Twilio's (prefix + 32 hex digits), never repeat, and sort in creation order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSid, newSid } from '../../src/util/sid.js';

test('a SID is the prefix and 32 lower-case hex digits, as Twilio spells them', () => {
  const sid = newSid('SM');
  assert.match(sid, /^SM[0-9a-f]{32}$/);
  assert.ok(isSid(sid, 'SM'));
  assert.ok(!isSid(sid, 'CA'));
});

test('SIDs created in the same millisecond are all different', () => {
  const now = Date.now();
  const sids = new Set(Array.from({ length: 50_000 }, () => newSid('SM', now)));
  assert.equal(sids.size, 50_000);
});

test('a later SID sorts after an earlier one, across the years', () => {
  const times = [0, 1, 1_700_000_000_000, Date.now(), Date.UTC(2100, 0, 1), Date.UTC(2500, 0, 1)];
  const sids = times.map((t) => newSid('CA', t));
  assert.deepEqual([...sids].sort(), sids);
  for (const s of sids) assert.ok(isSid(s, 'CA'), s);
});
