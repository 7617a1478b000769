import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { parseConnectionOverrides } from '../../protocols/webhook/overrides.js';

describe('Twilio connection overrides in a URL fragment', () => {
  test('no fragment: one retry on connection failure, no timeout overrides', () => {
    const o = parseConnectionOverrides('');
    assert.equal(o.retryCount, 1);
    assert.deepEqual([...o.retryPolicy], ['ct']);
    assert.equal(o.totalMs, undefined);
    assert.equal(o.readMs, undefined);
  });

  test('values are read and clamped to Twilio ranges', () => {
    const o = parseConnectionOverrides('ct=1000&rt=50&tt=99999&rc=9&rp=4xx,5xx');
    assert.equal(o.readMs, 100);
    assert.equal(o.totalMs, 15000);
    assert.equal(o.retryCount, 5);
    assert.deepEqual([...o.retryPolicy].sort(), ['4xx', '5xx']);
  });

  test('rp=all covers every class; junk is ignored', () => {
    assert.deepEqual([...parseConnectionOverrides('rp=all').retryPolicy].sort(), ['4xx', '5xx', 'ct', 'rt']);
    const junk = parseConnectionOverrides('rc=many&tt=-1&rp=sometimes&e=ashburn');
    assert.equal(junk.retryCount, 1);
    assert.equal(junk.totalMs, undefined);
    assert.deepEqual([...junk.retryPolicy], ['ct']);
  });
});
