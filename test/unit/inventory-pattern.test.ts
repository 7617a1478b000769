import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { parseContains, toKeypadDigits } from '../../src/inventory/index.js';

function matcher(raw: string): (national: string) => boolean {
  const parsed = parseContains(raw);
  assert.ok(parsed.ok, `expected '${raw}' to be a valid pattern`);
  return (n) => parsed.pattern.regex.test(n);
}

describe('Contains: letters on the phone keypad', () => {
  test('STORE spells 78673, in either case', () => {
    assert.equal(toKeypadDigits('STORE'), '78673');
    assert.equal(toKeypadDigits('store'), '78673');
  });

  test('every letter maps to its E.161 key, including Q and Z', () => {
    assert.equal(toKeypadDigits('ABCDEFGHIJKLMNOPQRSTUVWXYZ'), '22233344455566677778889999');
  });

  test('a vanity word matches numbers that spell it anywhere', () => {
    const m = matcher('STORE');
    assert.ok(m('4157867300'));
    assert.ok(m('2125578673'));
    assert.ok(!m('4155550100'));
  });
});

describe('Contains: wildcards and anchors', () => {
  test('* stands for exactly one digit', () => {
    const m = matcher('55**');
    assert.ok(m('4155512000'));
    assert.ok(!m('4150000055'), 'only one digit is left after 55 at the end');
  });

  test('the legacy form 510555**** matches numbers starting 510555', () => {
    const m = matcher('510555****');
    assert.ok(m('5105551234'));
    assert.ok(!m('4155105550'), '510555 sits too late to be followed by four digits');
  });

  test('+ anchors the digits at the start of the national number', () => {
    const m = matcher('+415');
    assert.ok(m('4155550100'));
    assert.ok(!m('2124155550'));
  });

  test('$ anchors the digits at the end', () => {
    const m = matcher('0100$');
    assert.ok(m('4155550100'));
    assert.ok(!m('4150100555'));
  });

  test('% matches any run, so %55 and 55% behave like 55', () => {
    assert.ok(matcher('%55')('4155000000'));
    assert.ok(matcher('55%')('2120000055'));
  });

  test('letters and wildcards combine', () => {
    const m = matcher('*CALL');
    assert.ok(m('4152225500'));
    assert.ok(!m('2255000000'), 'one digit must precede CALL');
  });
});

describe('Contains: invalid patterns are rejected', () => {
  const invalid: Array<[string, string]> = [
    ['5', 'too short'],
    ['12345678901234567', 'too long'],
    ['5*5', 'wildcard between literals'],
    ['55%1', 'wildcard between literals'],
    ['+*55', 'anchor next to a wildcard'],
    ['55*$', 'wildcard next to an anchor'],
    ['*%55', 'different wildcards adjacent'],
    ['5+55', '+ not at the start'],
    ['5$5', '$ not at the end'],
    ['*5', 'one literal with a wildcard'],
    ['**', 'wildcards only'],
    ['55-12', 'punctuation'],
    ['5é5', 'diacritics'],
  ];
  for (const [raw, why] of invalid) {
    test(`'${raw}' (${why})`, () => {
      const parsed = parseContains(raw);
      assert.equal(parsed.ok, false);
    });
  }
});
