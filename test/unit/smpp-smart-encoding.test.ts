import { test } from 'node:test';
import assert from 'node:assert/strict';
import { smartEncode } from '../../protocols/smpp/smart-encoding.js';
import { countSegments, isGsm7 } from '../../protocols/smpp/encoding.js';

test('curly quotes, long dashes, the ellipsis and odd spaces become their GSM-7 twins', () => {
  const pasted = '\u201cYour code\u201d \u2014 it\u2019s 1234\u2026 valid\u00a0for\u202f10\u2009min \u2013 \u00abthanks\u00bb \u2039ok\u203a';
  const sent = smartEncode(pasted);
  assert.equal(sent, '"Your code" - it\'s 1234... valid for 10 min - "thanks" <ok>');
  assert.ok(isGsm7(sent));
  // 150 characters with one curly apostrophe: 3 UCS-2 segments as written, 1 GSM-7 segment smart-encoded.
  const long = 'It\u2019s ' + 'x'.repeat(145);
  assert.equal(countSegments(long), 3);
  assert.equal(countSegments(smartEncode(long)), 1);
});

test('invisible characters are dropped and full-width ASCII becomes ASCII', () => {
  assert.equal(smartEncode('a\u200bb\ufeffc\u00add'), 'abcd');
  assert.equal(smartEncode('\uff28\uff49\uff01 \uff11\uff12\uff13'), 'Hi! 123');
});

test('a body that needs UCS-2 anyway goes as written, quotes and all', () => {
  const emoji = '\u201cParty\u201d \u{1F389} at 8';
  assert.equal(smartEncode(emoji), emoji);
  const cyrillic = '\u041f\u0440\u0438\u0432\u0435\u0442 \u2014 hi';
  assert.equal(smartEncode(cyrillic), cyrillic);
});

test('GSM-7 text, its accented letters and extension characters included, is left alone', () => {
  for (const body of ['plain text', 'caf\u00e9 \u00e0 10\u20ac [ok] {x} ~^|\\', '']) assert.equal(smartEncode(body), body);
});
