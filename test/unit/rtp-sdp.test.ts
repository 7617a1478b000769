import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { answerDirection, buildAnswer, buildOffer, negotiate, parseSdp, SdpError } from '../../protocols/rtp/sdp.js';

const sippOffer = [
  'v=0',
  'o=user1 53655765 2353687637 IN IP4 127.0.0.1',
  's=-',
  'c=IN IP4 127.0.0.1',
  't=0 0',
  'm=audio 6000 RTP/AVP 8 0 96',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:96 telephone-event/8000',
  'a=fmtp:96 0-16',
  '',
].join('\r\n');

describe('SDP parsing', () => {
  test('reads address, port and codecs in the offer order', () => {
    const m = parseSdp(sippOffer);
    assert.equal(m.address, '127.0.0.1');
    assert.equal(m.port, 6000);
    assert.deepEqual(m.codecs, [
      { pt: 8, name: 'PCMA', rate: 8000 },
      { pt: 0, name: 'PCMU', rate: 8000 },
      { pt: 96, name: 'telephone-event', rate: 8000, fmtp: '0-16' },
    ]);
    assert.equal(m.direction, 'sendrecv');
  });

  test('static payload types without rtpmap lines are understood, and media-level c= wins', () => {
    const m = parseSdp('v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 7000 RTP/AVP 0\r\nc=IN IP4 127.0.0.9\r\na=sendonly\r\n');
    assert.equal(m.address, '127.0.0.9');
    assert.deepEqual(m.codecs, [{ pt: 0, name: 'PCMU', rate: 8000 }]);
    assert.equal(m.direction, 'sendonly');
    assert.equal(answerDirection(m.direction), 'recvonly');
  });

  test('SDP without audio is refused', () => {
    assert.throws(() => parseSdp('v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\nm=video 5000 RTP/AVP 96\r\n'), SdpError);
  });
});

describe('codec negotiation', () => {
  test('prefers PCMU even when PCMA is listed first, and takes telephone-event PT from the SDP', () => {
    const n = negotiate(parseSdp(sippOffer));
    assert.deepEqual(n.codec, { pt: 0, name: 'PCMU', rate: 8000 });
    assert.equal(n.telephoneEventPt, 96);
  });

  test('falls back to PCMA and works without telephone-event', () => {
    const n = negotiate(parseSdp(sippOffer.replace('m=audio 6000 RTP/AVP 8 0 96', 'm=audio 6000 RTP/AVP 8')));
    assert.deepEqual(n.codec, { pt: 8, name: 'PCMA', rate: 8000 });
    assert.equal(n.telephoneEventPt, undefined);
  });

  test('an offer without G.711 is refused with the codecs named', () => {
    const offer = 'v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\nm=audio 5000 RTP/AVP 18 111\r\na=rtpmap:111 opus/48000/2\r\n';
    assert.throws(() => negotiate(parseSdp(offer)), (e: unknown) => e instanceof SdpError && /G729\/8000, opus\/48000/.test(e.message));
  });

  test('a rejected stream (port 0) cannot be negotiated', () => {
    assert.throws(() => negotiate(parseSdp(sippOffer.replace('m=audio 6000', 'm=audio 0'))), SdpError);
  });
});

describe('building SDP', () => {
  test('our answer carries only the chosen codec and the remote telephone-event PT, and parses back', () => {
    const n = negotiate(parseSdp(sippOffer));
    const answer = buildAnswer({ address: '127.0.0.1', port: 40002, sessionId: 42 }, n);
    assert.match(answer, /^v=0\r\n/);
    assert.match(answer, /\r\nm=audio 40002 RTP\/AVP 0 96\r\n/);
    assert.match(answer, /\r\na=rtpmap:96 telephone-event\/8000\r\na=fmtp:96 0-16\r\n/);
    assert.doesNotMatch(answer, /101/);
    const back = parseSdp(answer);
    assert.equal(back.port, 40002);
    assert.deepEqual(negotiate(back), n);
  });

  test('our offer lists PCMU, PCMA and telephone-event and is negotiable by a peer', () => {
    const offer = buildOffer({ address: '127.0.0.1', port: 40010 });
    const m = parseSdp(offer);
    assert.deepEqual(m.codecs.map((c) => c.name), ['PCMU', 'PCMA', 'telephone-event']);
    assert.equal(negotiate(m).telephoneEventPt, 101);
  });
});
