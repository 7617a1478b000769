import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyMessage, newMessageRecord } from '../../src/messaging/message-record.js';

test('a copied message keeps every field of the record, and its carrier ids are its own', () => {
  const m = newMessageRecord({
    accountSid: 'AC00000000000000000000000000000001',
    from: '+15005550006',
    to: '+15551234567',
    body: 'hello',
    status: 'sent',
    direction: 'outbound-api',
    numSegments: 2,
    statusCallback: 'https://example.com/cb',
    seq: 7,
    carrierIds: ['c1'],
    dateSent: 1_700_000_000_000,
  });
  const c = copyMessage(m);
  // Every field newMessageRecord fills (so a field added to MessageRecord and not to copyMessage fails here).
  assert.deepEqual(Object.keys(c).sort(), Object.keys(m).sort());
  assert.deepEqual(c, m);
  c.carrierIds.push('c2');
  c.status = 'delivered';
  assert.deepEqual(m.carrierIds, ['c1']);
  assert.equal(m.status, 'sent');
});
