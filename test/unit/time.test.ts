// Twilio's date format on every resource (RFC 2822, GMT as +0000), including across the per-second cache.
//   node --import tsx --test test/unit/time.test.ts
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rfc2822 } from '../../src/util/time.js';

test('dates render as Twilio does: RFC 2822 with +0000', () => {
  assert.equal(rfc2822(Date.UTC(2023, 7, 24, 5, 1, 45)), 'Thu, 24 Aug 2023 05:01:45 +0000');
  assert.equal(rfc2822(null), null);
  assert.equal(rfc2822(undefined), null);
});

test('the cached second never leaks into another second, whichever way the clock goes', () => {
  const t = Date.UTC(2026, 10, 28, 23, 59, 59, 999);
  assert.equal(rfc2822(t), 'Sat, 28 Nov 2026 23:59:59 +0000');
  assert.equal(rfc2822(t - 999), 'Sat, 28 Nov 2026 23:59:59 +0000', 'same second, earlier millisecond');
  assert.equal(rfc2822(t + 1), 'Sun, 29 Nov 2026 00:00:00 +0000', 'next second (and day)');
  assert.equal(rfc2822(t), 'Sat, 28 Nov 2026 23:59:59 +0000', 'back to the earlier second');
  assert.equal(rfc2822(-1), 'Wed, 31 Dec 1969 23:59:59 +0000', 'before the epoch rounds down, not towards zero');
  assert.equal(rfc2822(0), 'Thu, 01 Jan 1970 00:00:00 +0000');
});
