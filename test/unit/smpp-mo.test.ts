import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMo } from '../../protocols/smpp/mo.js';
import { concatUdh8, concatUdh16 } from '../../protocols/smpp/udh.js';
import { encodeGsm7, encodeUcs2 } from '../../protocols/smpp/encoding.js';
import { fromSmppAddress, toSmppAddress } from '../../protocols/smpp/address.js';
import { smFields } from '../../protocols/smpp/pdu-encode.js';

describe('decodeMo', () => {
  test('GSM-7 single part with international addresses → E.164', () => {
    const mo = decodeMo({
      source_addr_ton: 1,
      source_addr: '14155550100',
      dest_addr_ton: 1,
      destination_addr: '14155550199',
      esm_class: 0,
      data_coding: 0,
      short_message: encodeGsm7('weather 94110 {ok} €5'),
    });
    assert.deepEqual(mo, { from: '+14155550100', to: '+14155550199', text: 'weather 94110 {ok} €5', dataCoding: 0 });
  });

  test('UCS-2 part with an 8-bit UDH: header stripped, concat reported', () => {
    const mo = decodeMo({
      source_addr_ton: 1,
      source_addr: '447700900123',
      dest_addr_ton: 0,
      destination_addr: '12345',
      esm_class: 0x40,
      data_coding: 8,
      short_message: Buffer.concat([concatUdh8(42, 2, 2), encodeUcs2('Привет 😀')]),
    });
    assert.equal(mo.from, '+447700900123');
    assert.equal(mo.to, '12345');
    assert.equal(mo.text, 'Привет 😀');
    assert.deepEqual(mo.concat, { ref: 42, total: 2, seq: 2 });
  });

  test('16-bit UDH reference and Latin-1 data coding', () => {
    const mo = decodeMo({
      source_addr_ton: 1,
      source_addr: '15550001111',
      dest_addr_ton: 1,
      destination_addr: '15550002222',
      esm_class: 0x40,
      data_coding: 3,
      short_message: Buffer.concat([concatUdh16(0x0102, 3, 1), Buffer.from('café', 'latin1')]),
    });
    assert.equal(mo.text, 'café');
    assert.deepEqual(mo.concat, { ref: 0x0102, total: 3, seq: 1 });
  });

  test('sar_* TLVs give concat when there is no UDH', () => {
    const mo = decodeMo({
      source_addr_ton: 1,
      source_addr: '15550001111',
      dest_addr_ton: 1,
      destination_addr: '15550002222',
      esm_class: 0,
      data_coding: 0,
      short_message: encodeGsm7('part two'),
      sar_msg_ref_num: 900,
      sar_total_segments: 2,
      sar_segment_seqnum: 2,
    });
    assert.deepEqual(mo.concat, { ref: 900, total: 2, seq: 2 });
    assert.equal(mo.text, 'part two');
  });

  test('data_coding 0 read as Latin-1 for carriers configured that way', () => {
    const pdu = { source_addr_ton: 1, source_addr: '1555', destination_addr: '1666', dest_addr_ton: 1, data_coding: 0, short_message: Buffer.from('caf\xe9 @ $', 'latin1') };
    assert.equal(decodeMo(pdu, 'latin1').text, 'café @ $');
    assert.notEqual(decodeMo(pdu).text, 'café @ $');
  });

  test('text carried in message_payload', () => {
    const mo = decodeMo({
      source_addr_ton: 5,
      source_addr: 'ACME',
      destination_addr: '15550002222',
      dest_addr_ton: 1,
      data_coding: 0,
      short_message: Buffer.alloc(0),
      message_payload: encodeGsm7('x'.repeat(300)),
    });
    assert.equal(mo.from, 'ACME');
    assert.equal(mo.text.length, 300);
  });
});

describe('addresses', () => {
  test('E.164, short codes and alphanumeric senders map to ton/npi', () => {
    assert.deepEqual(toSmppAddress('+15551234567'), { ton: 1, npi: 1, addr: '15551234567' });
    assert.deepEqual(toSmppAddress('12345'), { ton: 0, npi: 0, addr: '12345' });
    assert.deepEqual(toSmppAddress('ACME'), { ton: 5, npi: 0, addr: 'ACME' });
    const sm = Buffer.from('hi');
    assert.deepEqual(smFields('+15551234567', '12345', 0x40, 1, 8, sm), {
      sourceTon: 1, sourceNpi: 1, source: '15551234567', destTon: 0, destNpi: 0, dest: '12345',
      esmClass: 0x40, registeredDelivery: 1, dataCoding: 8, shortMessage: sm,
    });
    assert.equal(fromSmppAddress(1, '+15551234567'), '+15551234567');
    assert.equal(fromSmppAddress(1, '0015551234567'), '+15551234567');
    assert.equal(fromSmppAddress(0, '12345'), '12345');
  });
});
