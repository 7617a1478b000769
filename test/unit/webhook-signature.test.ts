import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import twilio from 'twilio';
import { computeSignature } from '../../protocols/webhook/signature.js';
import { encodeParams, stripFragment, withQuery } from '../../protocols/webhook/request-url.js';

const TOKEN = '12345';
const VECTOR_URL = 'https://mycompany.com/myapp.php?foo=1&bar=2';
const VECTOR_PARAMS = {
  CallSid: 'CA1234567890ABCDE',
  Caller: '+12349013030',
  Digits: '1234',
  From: '+12349013030',
  To: '+18005551212',
};

describe('X-Twilio-Signature', () => {
  test('matches the published test vector', () => {
    assert.equal(computeSignature(TOKEN, VECTOR_URL, VECTOR_PARAMS), '0/KCTR6DLpKmkAf8muzZqo1nDgQ=');
  });

  test('does not depend on the order params were given in', () => {
    const reversed = Object.fromEntries(Object.entries(VECTOR_PARAMS).reverse());
    assert.equal(computeSignature(TOKEN, VECTOR_URL, reversed), '0/KCTR6DLpKmkAf8muzZqo1nDgQ=');
  });

  test('twilio.validateRequest accepts POST signatures, including repeated names and non-ASCII text', () => {
    const params = {
      Body: 'Héllo wörld 👋 & more',
      MediaUrl: ['https://e.x/b.jpg', 'https://e.x/a.jpg'],
      From: '+15551234567',
      lower: 'sorted after upper-case names',
      Empty: '',
    };
    const url = 'https://app.example.com:8443/sms?account=1';
    const sig = computeSignature('tok3n', url, params);
    assert.equal(twilio.validateRequest('tok3n', sig, url, params), true);
    assert.equal(twilio.validateRequest('wrong', sig, url, params), false);
    assert.equal(twilio.validateRequest('tok3n', sig, url, { ...params, Body: 'tampered' }), false);
  });

  test('GET signs the URL with its query and nothing else', () => {
    const url = withQuery('https://app.example.com/voice?x=1', { From: '+1 555', Digits: '#' });
    assert.equal(url, 'https://app.example.com/voice?x=1&From=%2B1%20555&Digits=%23');
    const sig = computeSignature(TOKEN, url, null);
    assert.equal(twilio.validateRequest(TOKEN, sig, url, {}), true);
  });

  test('a URL fragment is not part of what is signed', () => {
    const withFragment = 'https://app.example.com/sms#rt=2000&tt=5000';
    assert.equal(stripFragment(withFragment), 'https://app.example.com/sms');
    assert.equal(
      computeSignature(TOKEN, withFragment, VECTOR_PARAMS),
      computeSignature(TOKEN, 'https://app.example.com/sms', VECTOR_PARAMS),
    );
  });

  test('form encoding repeats names and sends spaces as %20', () => {
    assert.equal(encodeParams({ A: 'x y', M: ['1', '2'] }), 'A=x%20y&M=1&M=2');
    assert.equal(withQuery('https://e.x/p?', { A: '1' }), 'https://e.x/p?A=1');
    assert.equal(withQuery('https://e.x/p', {}), 'https://e.x/p');
  });
});
