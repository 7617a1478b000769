import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sipUriHeaders } from '../../src/voice/sip-headers.js';

test('<Sip> URI headers: X- and Twilio\'s standard ones are taken (decoded), others refused, the Request-URI left bare', () => {
  assert.deepEqual(sipUriHeaders('sip:jack@example.com;transport=tcp'), { uri: 'sip:jack@example.com;transport=tcp', headers: {}, refused: [] });
  assert.deepEqual(sipUriHeaders('sip:jack@example.com?x-customer=a%20b%26c&user-to-user=56a390f3%3Bencoding%3Dhex&Foo=1&X-Bad%0D%0AHeader=1&x-nl=a%0Ab'), {
    uri: 'sip:jack@example.com',
    headers: { 'x-customer': 'a b&c', 'User-to-User': '56a390f3;encoding=hex' },
    refused: ['Foo', 'X-Bad\r\nHeader', 'x-nl'],
  });
});
