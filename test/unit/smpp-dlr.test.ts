import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { isDeliveryReceipt, parseDeliveryReceipt, dlrOutcome, formatReceiptText } from '../../protocols/smpp/dlr.js';

const TEXT =
  'id:0123456789 sub:001 dlvrd:001 submit date:2611271530 done date:2611271531 stat:DELIVRD err:000 text:Hello there';

describe('delivery receipt recognition', () => {
  test('esm_class 0x04 or a receipted_message_id marks a receipt; plain MO does not', () => {
    assert.equal(isDeliveryReceipt({ esm_class: 0x04 }), true);
    assert.equal(isDeliveryReceipt({ esm_class: 0x44 }), true);
    assert.equal(isDeliveryReceipt({ esm_class: 0, receipted_message_id: 'abc' }), true);
    assert.equal(isDeliveryReceipt({ esm_class: 0 }), false);
    assert.equal(isDeliveryReceipt({ esm_class: 0x40 }), false);
  });
});

describe('parseDeliveryReceipt', () => {
  test('text form: id, stat, err and done date', () => {
    const r = parseDeliveryReceipt({ esm_class: 0x04, short_message: Buffer.from(TEXT) });
    assert.deepEqual(r, { carrierMessageId: '0123456789', stat: 'DELIVRD', err: '000', doneDate: '2611271531' });
  });

  test('TLV form wins over the text for id and state', () => {
    const r = parseDeliveryReceipt({
      esm_class: 0x04,
      receipted_message_id: 'ABC-1',
      message_state: 5,
      short_message: Buffer.from(TEXT.replace('stat:DELIVRD err:000', 'stat:DELIVRD err:005')),
    });
    assert.equal(r?.carrierMessageId, 'ABC-1');
    assert.equal(r?.stat, 'UNDELIV');
    assert.equal(r?.err, '005');
  });

  test('TLVs only: err from network_error_code, none → 000', () => {
    const r = parseDeliveryReceipt({ receipted_message_id: 'x1', message_state: 8 });
    assert.deepEqual(r, { carrierMessageId: 'x1', stat: 'REJECTD', err: '000' });
    const n = parseDeliveryReceipt({ receipted_message_id: 'x2', message_state: 5, network_error_code: Buffer.from([3, 0, 6]) });
    assert.equal(n?.err, '006');
  });

  test('text in message_payload, long stat spellings, lower case keys', () => {
    const r = parseDeliveryReceipt({
      esm_class: 0x04,
      short_message: Buffer.alloc(0),
      message_payload: Buffer.from('id:77 sub:001 dlvrd:000 submit date:2611271530 done date:2611271531 stat:UNDELIVERABLE err:3'),
    });
    assert.deepEqual(r, { carrierMessageId: '77', stat: 'UNDELIV', err: '003', doneDate: '2611271531' });
  });

  test('unknown stat → UNKNOWN; no id at all → null', () => {
    assert.equal(parseDeliveryReceipt({ esm_class: 4, short_message: Buffer.from('id:9 stat:WEIRD') })?.stat, 'UNKNOWN');
    assert.equal(parseDeliveryReceipt({ esm_class: 4, short_message: Buffer.from('stat:DELIVRD') }), null);
  });

  test('formatReceiptText output parses back', () => {
    const text = formatReceiptText({
      id: 'm-1',
      stat: 'EXPIRED',
      err: '8',
      submitDate: new Date(Date.UTC(2026, 10, 27, 9, 5)),
      doneDate: new Date(Date.UTC(2026, 10, 28, 10, 6)),
      text: 'a long body that gets truncated',
    });
    assert.equal(
      text,
      'id:m-1 sub:001 dlvrd:000 submit date:2611270905 done date:2611281006 stat:EXPIRED err:008 text:a long body that get',
    );
    assert.deepEqual(parseDeliveryReceipt({ esm_class: 4, short_message: Buffer.from(text) }), {
      carrierMessageId: 'm-1',
      stat: 'EXPIRED',
      err: '008',
      doneDate: '2611281006',
    });
  });
});

describe('dlrOutcome (twilio-compat §18)', () => {
  test('DELIVRD → delivered without error', () => {
    assert.deepEqual(dlrOutcome('DELIVRD', '000'), { status: 'delivered', errorCode: null });
  });
  test('carrier err codes 003/005/006/008 name the Twilio code', () => {
    assert.deepEqual(dlrOutcome('UNDELIV', '003'), { status: 'undelivered', errorCode: 30003 });
    assert.deepEqual(dlrOutcome('UNDELIV', '005'), { status: 'undelivered', errorCode: 30005 });
    assert.deepEqual(dlrOutcome('UNDELIV', '006'), { status: 'undelivered', errorCode: 30006 });
    assert.deepEqual(dlrOutcome('UNDELIV', '008'), { status: 'undelivered', errorCode: 30008 });
    assert.deepEqual(dlrOutcome('REJECTD', '7'), { status: 'undelivered', errorCode: 30007 });
  });
  test('defaults by stat', () => {
    assert.deepEqual(dlrOutcome('UNDELIV', '000'), { status: 'undelivered', errorCode: 30005 });
    assert.deepEqual(dlrOutcome('REJECTD', '000'), { status: 'undelivered', errorCode: 30007 });
    assert.deepEqual(dlrOutcome('EXPIRED', '000'), { status: 'undelivered', errorCode: 30008 });
    assert.deepEqual(dlrOutcome('UNKNOWN', '123'), { status: 'undelivered', errorCode: 30008 });
    assert.deepEqual(dlrOutcome('DELETED', '000'), { status: 'undelivered', errorCode: 30008 });
  });
  test('intermediate receipts are not final', () => {
    assert.equal(dlrOutcome('ENROUTE', '000'), null);
    assert.equal(dlrOutcome('ACCEPTD', '000'), null);
  });
});
