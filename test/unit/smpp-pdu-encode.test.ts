import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { encodeSubmitSm, encodeDeliverSm, encodeSubmitSmResp, encodeEmptyIdResponse } from '../../protocols/smpp/pdu-encode.js';
import { parseDeliveryReceipt } from '../../protocols/smpp/dlr.js';
import { smpp } from '../../protocols/smpp/wire.js';
import { concatUdh8 } from '../../protocols/smpp/udh.js';
import { encodeGsm7 } from '../../protocols/smpp/encoding.js';

describe('encodeSubmitSm', () => {
  test('matches node-smpp byte for byte and decodes back to the same fields', () => {
    const sm = Buffer.concat([concatUdh8(9, 2, 1), encodeGsm7('Hello {there}')]);
    const ours = encodeSubmitSm(4242, {
      sourceTon: 1,
      sourceNpi: 1,
      source: '15551230000',
      destTon: 1,
      destNpi: 1,
      dest: '14155550100',
      esmClass: 0x40,
      registeredDelivery: 1,
      dataCoding: 0,
      shortMessage: sm,
    });
    const theirs = new smpp.PDU('submit_sm', {
      sequence_number: 4242,
      source_addr_ton: 1,
      source_addr_npi: 1,
      source_addr: '15551230000',
      dest_addr_ton: 1,
      dest_addr_npi: 1,
      destination_addr: '14155550100',
      esm_class: 0x40,
      registered_delivery: 1,
      data_coding: 0,
      short_message: sm,
    }).toBuffer();
    assert.deepEqual(ours, theirs);
    const back = smpp.PDU.fromBuffer(ours);
    assert.ok(back);
    assert.equal(back.command, 'submit_sm');
    assert.equal(back.sequence_number, 4242);
    assert.equal(back.destination_addr, '14155550100');
    assert.deepEqual(back.short_message, sm);
  });

  test('sar TLVs, validity period and a long payload in message_payload', () => {
    const long = Buffer.alloc(300, 0x41);
    const ours = encodeSubmitSm(7, {
      sourceTon: 5,
      sourceNpi: 0,
      source: 'ACME',
      destTon: 1,
      destNpi: 1,
      dest: '447700900123',
      esmClass: 0,
      registeredDelivery: 0,
      dataCoding: 8,
      shortMessage: long,
      validityPeriod: '000001000000',
      sar: { ref: 700, total: 3, seq: 2 },
    });
    const back = smpp.PDU.fromBuffer(ours);
    assert.ok(back);
    assert.equal(back.source_addr, 'ACME');
    assert.equal(back.source_addr_ton, 5);
    assert.equal(back.data_coding, 8);
    assert.equal(back.validity_period !== undefined, true);
    assert.equal(back.sar_msg_ref_num, 700);
    assert.equal(back.sar_total_segments, 3);
    assert.equal(back.sar_segment_seqnum, 2);
    assert.equal(back.short_message?.length, 0);
    assert.deepEqual(back.message_payload, long);
    // Same bytes as node-smpp for the same fields (its validity filter pads 12 digits to "...000R").
    const theirs = new smpp.PDU('submit_sm', {
      sequence_number: 7,
      source_addr_ton: 5,
      source_addr: 'ACME',
      dest_addr_ton: 1,
      dest_addr_npi: 1,
      destination_addr: '447700900123',
      data_coding: 8,
      validity_period: '000001000000',
      short_message: Buffer.alloc(0),
      sar_msg_ref_num: 700,
      sar_total_segments: 3,
      sar_segment_seqnum: 2,
      message_payload: long,
    }).toBuffer();
    assert.deepEqual(ours, theirs);
  });
});

describe('encodeEmptyIdResponse', () => {
  test('deliver_sm_resp matches node-smpp', () => {
    const ours = encodeEmptyIdResponse(0x80000005, 0, 99);
    const theirs = new smpp.PDU('deliver_sm_resp', { sequence_number: 99 }).toBuffer();
    assert.deepEqual(ours, theirs);
    const back = smpp.PDU.fromBuffer(encodeEmptyIdResponse(0x80000005, 0x64, 5));
    assert.ok(back);
    assert.equal(back.command, 'deliver_sm_resp');
    assert.equal(back.command_status, 0x64);
  });
});

describe('encodeDeliverSm and encodeSubmitSmResp', () => {
  test('a receipt deliver_sm matches node-smpp and parses as a receipt', () => {
    const text = Buffer.from('id:abc sub:001 dlvrd:001 submit date:2611271530 done date:2611271531 stat:DELIVRD err:000 text:hi');
    const ours = encodeDeliverSm(12, {
      sourceTon: 1,
      sourceNpi: 1,
      source: '14155550100',
      destTon: 1,
      destNpi: 1,
      dest: '15551230000',
      esmClass: 0x04,
      registeredDelivery: 0,
      dataCoding: 0,
      shortMessage: text,
      receiptedMessageId: 'abc',
      messageState: 2,
    });
    const theirs = new smpp.PDU('deliver_sm', {
      sequence_number: 12,
      source_addr_ton: 1,
      source_addr_npi: 1,
      source_addr: '14155550100',
      dest_addr_ton: 1,
      dest_addr_npi: 1,
      destination_addr: '15551230000',
      esm_class: 0x04,
      data_coding: 0,
      short_message: text,
      receipted_message_id: 'abc',
      message_state: 2,
    }).toBuffer();
    assert.deepEqual(ours, theirs);
    const back = smpp.PDU.fromBuffer(ours);
    assert.ok(back);
    assert.equal(back.command, 'deliver_sm');
    assert.deepEqual(parseDeliveryReceipt(back), { carrierMessageId: 'abc', stat: 'DELIVRD', err: '000', doneDate: '2611271531' });
  });

  test('submit_sm_resp with a message id, and an error response with header only', () => {
    assert.deepEqual(encodeSubmitSmResp(0, 3, 'id-42'), new smpp.PDU('submit_sm_resp', { sequence_number: 3, message_id: 'id-42' }).toBuffer());
    assert.deepEqual(encodeSubmitSmResp(0x58, 4, ''), new smpp.PDU('submit_sm_resp', { sequence_number: 4, command_status: 0x58 }).toBuffer());
  });
});
