import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  SipParseError, getTag, parseNameAddr, parseSipMessage, parseUri, parseVia, validateForTransaction,
} from '../../protocols/sip/sip/message.js';

const CRLF = '\r\n';

describe('SIP message codec', () => {
  test('compact header names are understood as their long forms', () => {
    const m = parseSipMessage([
      'INVITE sip:bob@example.com SIP/2.0',
      'v: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1',
      'f: <sip:alice@example.com>;tag=a1',
      't: <sip:bob@example.com>',
      'i: call-1', 'CSeq: 1 INVITE', 'm: <sip:alice@10.0.0.1>', 'c: application/sdp', 'l: 0', '', '',
    ].join(CRLF));
    assert.equal(m.get('Call-ID'), 'call-1');
    assert.equal(getTag(m.get('from')), 'a1');
    assert.equal(m.get('content-type'), 'application/sdp');
    assert.equal(parseNameAddr(m.get('contact')!)?.uri, 'sip:alice@10.0.0.1');
    validateForTransaction(m);
  });

  test('multi-value headers split on top-level commas only, across lines', () => {
    const m = parseSipMessage([
      'OPTIONS sip:x@y SIP/2.0',
      'Via: SIP/2.0/UDP a:1;branch=z9hG4bKa, SIP/2.0/TCP b:2;branch=z9hG4bKb',
      'Via: SIP/2.0/UDP c;branch=z9hG4bKc',
      'Contact: "Smith, John" <sip:j@h;x=1,2>;q=0.5, <sip:k@h>',
      'From: <sip:a@b>;tag=1', 'To: <sip:x@y>', 'Call-ID: c', 'CSeq: 2 OPTIONS', 'Content-Length: 0', '', '',
    ].join(CRLF));
    const vias = m.getAll('via');
    assert.equal(vias.length, 3);
    assert.equal(parseVia(vias[1]!)?.transport, 'TCP');
    assert.equal(parseVia(vias[1]!)?.port, 2);
    assert.equal(parseVia(vias[2]!)?.params.get('branch'), 'z9hG4bKc');
    const contacts = m.getAll('contact');
    assert.equal(contacts.length, 2);
    assert.equal(parseNameAddr(contacts[0]!)?.display, '"Smith, John"');
  });

  test('folded header lines are joined into one value', () => {
    const m = parseSipMessage([
      'MESSAGE sip:x@y SIP/2.0', 'Via: SIP/2.0/UDP a;branch=z9hG4bK1', 'Subject: I know you\'re there,',
      '   pick up the phone', '\tand talk to me!', 'From: <sip:a@b>;tag=1', 'To: <sip:x@y>', 'Call-ID: c',
      'CSeq: 1 MESSAGE', 'Content-Length: 0', '', '',
    ].join(CRLF));
    assert.equal(m.get('subject'), 'I know you\'re there, pick up the phone and talk to me!');
  });

  test('the body is cut by Content-Length counted in bytes, not characters', () => {
    const body = 'héllo 🎉';
    const bytes = Buffer.byteLength(body);
    const raw = `MESSAGE sip:x@y SIP/2.0${CRLF}Content-Type: text/plain${CRLF}Content-Length: ${bytes}${CRLF}${CRLF}${body}TRAILING`;
    const m = parseSipMessage(Buffer.from(raw));
    assert.equal(m.body.toString('utf8'), body);
    assert.match(m.serialize().toString(), new RegExp(`Content-Length: ${bytes}\\r\\n\\r\\n`));
  });

  test('a datagram whose Content-Length exceeds its body is rejected as truncated', () => {
    const raw = `MESSAGE sip:x@y SIP/2.0${CRLF}Content-Length: 50${CRLF}${CRLF}short`;
    assert.throws(() => parseSipMessage(raw), SipParseError);
  });

  test('srf text with a character-count Content-Length keeps the whole body and is re-counted in bytes', () => {
    const sdp = 'v=0\r\ns=Zoë\r\n';
    const raw = `SIP/2.0 200 OK${CRLF}Content-Length: ${sdp.length}${CRLF}${CRLF}${sdp}`;
    const m = parseSipMessage(raw, { bodyIsRemainder: true });
    assert.equal(m.body.toString('utf8'), sdp);
    assert.match(m.toString(), new RegExp(`Content-Length: ${Buffer.byteLength(sdp)}\\r\\n`));
  });

  test('garbage start lines and header lines without a colon are SipParseErrors', () => {
    assert.throws(() => parseSipMessage('HELLO\r\n\r\n'), SipParseError);
    assert.throws(() => parseSipMessage('OPTIONS sip:x SIP/2.0\r\nnocolon\r\n\r\n'), SipParseError);
    assert.throws(() => parseSipMessage('OPTIONS sip:x SIP/2.0\r\nVia: x'), SipParseError);
  });

  test('a request missing Call-ID or with a CSeq for another method fails transaction validation', () => {
    const base = ['INVITE sip:x@y SIP/2.0', 'Via: SIP/2.0/UDP a;branch=z9hG4bK1', 'From: <sip:a@b>;tag=1', 'To: <sip:x@y>'];
    assert.throws(() => validateForTransaction(parseSipMessage([...base, 'CSeq: 1 INVITE', '', ''].join(CRLF))), /Call-ID/);
    assert.throws(() => validateForTransaction(parseSipMessage([...base, 'Call-ID: c', 'CSeq: 1 BYE', '', ''].join(CRLF))), /CSeq/);
  });

  test('SIP URIs parse user, host, port and params', () => {
    const u = parseUri('sip:5551234@127.0.0.1:5091;transport=tcp');
    assert.equal(u?.user, '5551234');
    assert.equal(u?.port, 5091);
    assert.equal(u?.params.get('transport'), 'tcp');
    assert.equal(parseUri('sip:[::1]:5060')?.host, '[::1]');
    assert.equal(parseUri('mailto:x@y'), undefined);
  });
});
