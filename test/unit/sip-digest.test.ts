// SIP digest authentication as tandem's registrar and domain INVITE screen use it: RFC 2617's worked example,
// challenges whose nonces only this authority accepts, stale nonces, and what a wrong password or a tampered
// nonce gets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DigestAuthority, NONCE_TTL_MS, digestResponse, parseDigest } from '../../protocols/sip/digest.js';

test("RFC 2617's worked example gives its published response", () => {
  const r = digestResponse(
    { username: 'Mufasa', realm: 'testrealm@host.com', nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093', uri: '/dir/index.html', qop: 'auth', nc: '00000001', cnonce: '0a4f113b' },
    'GET',
    'Circle Of Life',
  );
  assert.equal(r, '6629fae49393a05397450978507c4ef1');
});

test('an Authorization header is parsed, quoted and unquoted fields alike; a non-digest one is not', () => {
  const c = parseDigest('Digest username="alice", realm="office.sip.example", nonce="abc.def", uri="sip:office.sip.example", response="0123abcd", algorithm=MD5, cnonce="xyz", qop=auth, nc=00000001');
  assert.deepEqual(c, { username: 'alice', realm: 'office.sip.example', nonce: 'abc.def', uri: 'sip:office.sip.example', response: '0123abcd', algorithm: 'MD5', qop: 'auth', nc: '00000001', cnonce: 'xyz' });
  assert.equal(parseDigest('Basic YWxpY2U6cGFzcw=='), undefined);
  assert.equal(parseDigest('Digest username="alice", realm="r"'), undefined, 'no nonce, uri or response');
  assert.equal(parseDigest(undefined), undefined);
});

/** What an endpoint sends back for a challenge: the challenge's realm and nonce, its own cnonce. */
function answer(challenge: string, method: string, username: string, password: string, uri: string) {
  const realm = /realm="([^"]*)"/.exec(challenge)![1]!;
  const nonce = /nonce="([^"]*)"/.exec(challenge)![1]!;
  const base = { username, realm, nonce, uri, qop: 'auth', nc: '00000001', cnonce: 'c0ffee' };
  return { ...base, algorithm: 'MD5', response: digestResponse(base, method, password) };
}

test('a response to our challenge with the right password is ok; a wrong password, another method or a forged nonce is bad', () => {
  const auth = new DigestAuthority();
  const challenge = auth.challenge('office.sip.example');
  assert.match(challenge, /^Digest realm="office\.sip\.example", nonce="[^"]+", algorithm=MD5, qop="auth"$/);
  const c = answer(challenge, 'REGISTER', 'alice', 'Secret12345X', 'sip:office.sip.example');
  assert.equal(auth.check(c, 'REGISTER', 'Secret12345X'), 'ok');
  assert.equal(auth.check(c, 'REGISTER', 'Secret12345Y'), 'bad');
  assert.equal(auth.check(c, 'INVITE', 'Secret12345X'), 'bad', 'the method is part of the digest');
  const forged = answer(challenge.replace(/nonce="[^".]+/, 'nonce="ffffffffff'), 'REGISTER', 'alice', 'Secret12345X', 'sip:office.sip.example');
  assert.equal(auth.check(forged, 'REGISTER', 'Secret12345X'), 'bad', 'a nonce this authority did not sign');
  const other = new DigestAuthority();
  assert.equal(other.check(c, 'REGISTER', 'Secret12345X'), 'bad', "another process's nonce");
});

test('a nonce older than its lifetime is stale (retry with a fresh one), not bad', () => {
  let now = 1_000_000;
  const auth = new DigestAuthority(undefined, () => now);
  const c = answer(auth.challenge('r'), 'INVITE', 'bob', 'Secret12345X', 'sip:+15551234567@r');
  now += NONCE_TTL_MS + 1;
  assert.equal(auth.check(c, 'INVITE', 'Secret12345X'), 'stale');
  assert.equal(auth.check(c, 'INVITE', 'wrong'), 'bad', 'a stale nonce with a wrong password is still bad');
  assert.match(auth.challenge('r', true), /, stale=true$/);
});
