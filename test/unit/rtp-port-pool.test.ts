import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePortRange, PortPool, PortPoolExhaustedError } from '../../protocols/rtp/port-pool.js';

test('allocates only even ports from the range until exhausted, then says so', () => {
  const pool = new PortPool('40001-40007');
  const got = [pool.allocate(), pool.allocate(), pool.allocate()];
  assert.deepEqual(got.sort(), [40002, 40004, 40006]);
  assert.equal(pool.available, 0);
  assert.throws(() => pool.allocate(), (e: unknown) => e instanceof PortPoolExhaustedError && /3 RTP ports of 40001-40007/.test(e.message));
});

test('a released port can be allocated again, never twice at once', () => {
  const pool = new PortPool({ min: 40000, max: 40003 });
  const a = pool.allocate();
  const b = pool.allocate();
  assert.notEqual(a, b);
  pool.release(a);
  assert.equal(pool.allocate(), a);
  assert.throws(() => pool.allocate(), PortPoolExhaustedError);
});

test('bad ranges are refused with a reason', () => {
  assert.throws(() => parsePortRange('40000'), /form 40000-40999/);
  assert.throws(() => parsePortRange('50000-40000'), /low to high/);
  assert.throws(() => parsePortRange('80-90'), /1024-65535/);
  assert.throws(() => parsePortRange('40001-40001'), /no even port/);
  assert.deepEqual(parsePortRange(' 40000 - 40999 '), { min: 40000, max: 40999 });
});
