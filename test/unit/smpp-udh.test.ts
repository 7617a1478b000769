import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildSubmitParts,
  concatUdh8,
  concatUdh16,
  splitUdh,
  concatFromSar,
  sarTlvs,
  ESM_UDHI,
} from '../../protocols/smpp/udh.js';
import { planSegments, decodeGsm7, decodeUcs2 } from '../../protocols/smpp/encoding.js';

describe('concatenation UDH', () => {
  test('8-bit reference header is 05 00 03 ref total seq', () => {
    assert.deepEqual([...concatUdh8(0x1a2, 3, 2)], [0x05, 0x00, 0x03, 0xa2, 3, 2]);
  });

  test('16-bit reference header is 06 08 04 refHi refLo total seq', () => {
    assert.deepEqual([...concatUdh16(0x1234, 4, 1)], [0x06, 0x08, 0x04, 0x12, 0x34, 4, 1]);
  });

  test('parse both forms and strip the header from the payload', () => {
    const a = splitUdh(Buffer.concat([concatUdh8(77, 2, 1), Buffer.from('hello')]));
    assert.deepEqual(a.concat, { ref: 77, total: 2, seq: 1 });
    assert.equal(a.payload.toString(), 'hello');
    const b = splitUdh(Buffer.concat([concatUdh16(0xbeef, 3, 3), Buffer.from('x')]));
    assert.deepEqual(b.concat, { ref: 0xbeef, total: 3, seq: 3 });
    assert.equal(b.payload.toString(), 'x');
  });

  test('other information elements are skipped, concat still found', () => {
    // IEI 0x05 (application ports, 4 bytes) then IEI 0x00.
    const udh = Buffer.from([0x0b, 0x05, 0x04, 0x0b, 0x84, 0x23, 0xf0, 0x00, 0x03, 9, 2, 2]);
    const r = splitUdh(Buffer.concat([udh, Buffer.from('p')]));
    assert.deepEqual(r.concat, { ref: 9, total: 2, seq: 2 });
    assert.equal(r.payload.toString(), 'p');
  });

  test('a header without concat, or an inconsistent one, gives no concat info', () => {
    const ports = splitUdh(Buffer.from([0x06, 0x05, 0x04, 0, 1, 0, 2, 0x41]));
    assert.equal(ports.concat, undefined);
    assert.equal(ports.payload.toString(), 'A');
    assert.equal(splitUdh(Buffer.concat([concatUdh8(1, 2, 3), Buffer.from('z')])).concat, undefined);
    const truncated = splitUdh(Buffer.from([0x09, 0x00]));
    assert.equal(truncated.concat, undefined);
  });

  test('sar TLVs give the same information', () => {
    assert.deepEqual(concatFromSar(sarTlvs(0x10203, 2, 1)), { ref: 0x0203, total: 2, seq: 1 });
    assert.equal(concatFromSar({ sar_msg_ref_num: 4, sar_total_segments: 2 }), undefined);
  });
});

describe('buildSubmitParts', () => {
  test('a single part has no UDH and esm_class 0', () => {
    const parts = buildSubmitParts(planSegments('hi'), 5);
    assert.equal(parts.esmClass, 0);
    assert.equal(parts.shortMessages.length, 1);
    assert.equal(decodeGsm7(parts.shortMessages[0]!), 'hi');
  });

  test('multi-part GSM-7: each part has a UDH with the shared reference, esm_class 0x40, ≤ 159 bytes', () => {
    const body = 'z'.repeat(400);
    const parts = buildSubmitParts(planSegments(body), 300);
    assert.equal(parts.esmClass, ESM_UDHI);
    assert.equal(parts.dataCoding, 0);
    assert.equal(parts.shortMessages.length, 3);
    let text = '';
    parts.shortMessages.forEach((sm, i) => {
      assert.ok(sm.length <= 159);
      const { concat, payload } = splitUdh(sm);
      assert.deepEqual(concat, { ref: 300 & 0xff, total: 3, seq: i + 1 });
      text += decodeGsm7(payload);
    });
    assert.equal(text, body);
  });

  test('multi-part UCS-2 parts stay within 140 octets', () => {
    const body = 'Привет 😀 '.repeat(20);
    const parts = buildSubmitParts(planSegments(body), 1);
    assert.equal(parts.dataCoding, 8);
    let text = '';
    for (const sm of parts.shortMessages) {
      assert.ok(sm.length <= 140);
      text += decodeUcs2(splitUdh(sm).payload);
    }
    assert.equal(text, body);
  });
});
