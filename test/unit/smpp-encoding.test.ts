import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  planSegments,
  countSegments,
  encodeGsm7,
  decodeGsm7,
  encodeUcs2,
  decodeUcs2,
  decodeText,
  detectEncoding,
  gsmSeptetCount,
} from '../../protocols/smpp/encoding.js';

function joinGsm(segments: Buffer[]): string {
  return segments.map((s) => decodeGsm7(s)).join('');
}
function joinUcs2(segments: Buffer[]): string {
  return segments.map((s) => decodeUcs2(s)).join('');
}

describe('GSM 03.38', () => {
  test('plain text maps to unpacked septets and back', () => {
    const text = '@£$¥ Hello, world! 0123 ÄÖÑÜ§¿äöñüà_Δ';
    const bytes = encodeGsm7(text);
    assert.equal(bytes.length, text.length);
    assert.equal(bytes[0], 0x00); // '@'
    assert.equal(bytes[1], 0x01); // '£'
    assert.equal(decodeGsm7(bytes), text);
  });

  test('extension characters cost two septets (ESC + char) and round-trip', () => {
    const ext = '^{}[]~\\|€\f';
    assert.equal(detectEncoding(ext), 'gsm7');
    assert.equal(gsmSeptetCount(ext), ext.length * 2);
    const bytes = encodeGsm7(ext);
    assert.equal(bytes.length, 20);
    assert.deepEqual([...bytes.subarray(0, 4)], [0x1b, 0x14, 0x1b, 0x28]);
    assert.deepEqual([...bytes.subarray(16, 18)], [0x1b, 0x65]); // €
    assert.equal(decodeGsm7(bytes), ext);
  });

  test('an unknown escape decodes as the basic character', () => {
    assert.equal(decodeGsm7(Buffer.from([0x1b, 0x41, 0x42])), 'AB');
  });

  test('one character outside GSM-7 makes the whole message UCS-2', () => {
    assert.equal(detectEncoding('hello'), 'gsm7');
    assert.equal(detectEncoding('hello ç'), 'ucs2'); // ç is not in the default table (Ç is)
    assert.equal(detectEncoding('hi 😀'), 'ucs2');
    assert.equal(detectEncoding('tab\there'), 'ucs2');
    const plan = planSegments('price 5€ — ok');
    assert.equal(plan.encoding, 'ucs2');
    assert.equal(plan.dataCoding, 8);
  });
});

describe('GSM-7 segmentation', () => {
  test('160 septets fit one part, 161 need two', () => {
    const p160 = planSegments('a'.repeat(160));
    assert.equal(p160.numSegments, 1);
    assert.equal(p160.encoding, 'gsm7');
    assert.equal(p160.dataCoding, 0);
    assert.equal(p160.segments[0]!.length, 160);
    const p161 = planSegments('a'.repeat(161));
    assert.equal(p161.numSegments, 2);
    assert.deepEqual(p161.segments.map((s) => s.length), [153, 8]);
  });

  test('306 septets are exactly two parts of 153, 307 are three', () => {
    assert.equal(planSegments('b'.repeat(306)).numSegments, 2);
    assert.equal(planSegments('b'.repeat(307)).numSegments, 3);
    assert.equal(countSegments('b'.repeat(306)), 2);
    assert.equal(countSegments('b'.repeat(307)), 3);
  });

  test('extension characters count double against the 160 limit', () => {
    assert.equal(planSegments('{'.repeat(80)).numSegments, 1);
    assert.equal(planSegments('{'.repeat(80) + 'a').numSegments, 2);
    assert.equal(countSegments('€'.repeat(81)), 2);
  });

  test('an escape sequence is never split across parts', () => {
    // 152 plain septets, then '[' whose ESC would be septet 153 and its char septet 154.
    const body = 'x'.repeat(152) + '[' + 'y'.repeat(20);
    const plan = planSegments(body);
    assert.equal(plan.numSegments, 2);
    assert.equal(plan.segments[0]!.length, 152);
    assert.equal(plan.segments[0]![151], 0x78);
    assert.deepEqual([...plan.segments[1]!.subarray(0, 2)], [0x1b, 0x3c]);
    assert.equal(joinGsm(plan.segments), body);
    for (const s of plan.segments) assert.notEqual(s[s.length - 1], 0x1b);
    assert.equal(countSegments(body), plan.numSegments);
  });

  test('long mixed text round-trips through its parts', () => {
    const body = 'Hello {world} ~ 100€ | back\\slash ^caret [x] '.repeat(12);
    const plan = planSegments(body);
    assert.ok(plan.numSegments > 2);
    for (const s of plan.segments) assert.ok(s.length <= 153);
    assert.equal(joinGsm(plan.segments), body);
  });
});

describe('UCS-2', () => {
  test('UTF-16BE encoding and decoding, including surrogate pairs', () => {
    const text = 'Grüße 😀 ok';
    const bytes = encodeUcs2(text);
    assert.equal(bytes.length, text.length * 2);
    assert.deepEqual([...bytes.subarray(0, 2)], [0x00, 0x47]);
    assert.equal(decodeUcs2(bytes), text);
    assert.equal(decodeText(8, bytes), text);
  });

  test('70 code units fit one part, 71 need two of 67 max', () => {
    assert.equal(planSegments('ж'.repeat(70)).numSegments, 1);
    const p71 = planSegments('ж'.repeat(71));
    assert.equal(p71.numSegments, 2);
    assert.deepEqual(p71.segments.map((s) => s.length / 2), [67, 4]);
    assert.equal(planSegments('ж'.repeat(134)).numSegments, 2);
    assert.equal(planSegments('ж'.repeat(135)).numSegments, 3);
  });

  test('an emoji counts as two code units', () => {
    assert.equal(planSegments('😀'.repeat(35)).numSegments, 1);
    assert.equal(planSegments('😀'.repeat(36)).numSegments, 2);
  });

  test('a surrogate pair at a part boundary moves whole into the next part', () => {
    // 66 units, then an emoji occupying units 67 and 68.
    const body = 'ж'.repeat(66) + '😀' + 'ж'.repeat(10);
    const plan = planSegments(body);
    assert.equal(plan.numSegments, 2);
    assert.equal(plan.segments[0]!.length / 2, 66);
    assert.equal(decodeUcs2(plan.segments[1]!).startsWith('😀'), true);
    assert.equal(joinUcs2(plan.segments), body);
    assert.equal(countSegments(body), 2);
  });

  test('many emoji split cleanly and round-trip', () => {
    const body = 'a😀'.repeat(100);
    const plan = planSegments(body);
    for (const s of plan.segments) {
      const last = s.readUInt16BE(s.length - 2);
      assert.ok(last < 0xd800 || last > 0xdbff, 'part ends in a high surrogate');
    }
    assert.equal(joinUcs2(plan.segments), body);
  });
});

describe('other data codings', () => {
  test('Latin-1 (3) and IA5 (1) decode byte for byte', () => {
    assert.equal(decodeText(3, Buffer.from([0x63, 0x61, 0x66, 0xe9])), 'café');
    assert.equal(decodeText(1, Buffer.from('plain', 'latin1')), 'plain');
  });

  test('GSM (0) decodes unpacked septets', () => {
    assert.equal(decodeText(0, Buffer.from([0x00, 0x48, 0x69, 0x1b, 0x65])), '@Hi€');
  });
});
