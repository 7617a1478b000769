// <Dial record>'s mix of the two parties: lined up at their ends (both stop together), summed, clipped to 16 bits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mixEndAligned } from '../../protocols/rtp/index.js';

test('the shorter track (a party whose audio started later) is lined up with the end of the longer one', () => {
  const caller = Int16Array.from([1, 2, 3, 4, 5]);
  const callee = Int16Array.from([10, 20]);
  assert.deepEqual([...mixEndAligned(caller, callee)], [1, 2, 3, 14, 25]);
  assert.deepEqual([...mixEndAligned(callee, caller)], [1, 2, 3, 14, 25], 'the order of the legs does not matter');
});

test('sums past 16 bits are clipped, not wrapped; an empty track leaves the other as it was', () => {
  assert.deepEqual([...mixEndAligned(Int16Array.from([30_000, -30_000]), Int16Array.from([10_000, -10_000]))], [32_767, -32_768]);
  assert.deepEqual([...mixEndAligned(Int16Array.from([7, -7]), new Int16Array(0))], [7, -7]);
  assert.equal(mixEndAligned(new Int16Array(0), new Int16Array(0)).length, 0);
});
