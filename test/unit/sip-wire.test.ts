import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameDecoder, FrameError, encodeFrame } from '../../protocols/sip/wire/framing.js';
import { parseAppMessage, sentEcho, sipToApp, stackTime } from '../../protocols/sip/wire/messages.js';
import { StreamFramer } from '../../protocols/sip/sip/transport.js';

describe('drachtio wire framing and leaders', () => {
  test('frame length counts UTF-8 bytes and survives a split inside the length digits', () => {
    const payload = 'id|sip|x|\r\nMESSAGE … 🎉';
    const frame = encodeFrame(payload);
    assert.ok(frame.toString().startsWith(`${Buffer.byteLength(payload)}#`));
    const d = new FrameDecoder();
    assert.deepEqual(d.push(frame.subarray(0, 1)), []);
    assert.deepEqual(d.push(frame.subarray(1, 20)), []);
    assert.deepEqual(d.push(frame.subarray(20)), [payload]);
  });

  test('several frames in one chunk all come out, in order', () => {
    const d = new FrameDecoder();
    const chunk = Buffer.concat([encodeFrame('a|ping'), encodeFrame('b|route|invite'), encodeFrame('c|ping').subarray(0, 3)]);
    assert.deepEqual(d.push(chunk), ['a|ping', 'b|route|invite']);
  });

  test('a stream that does not start with a length, or announces a giant frame, is refused', () => {
    assert.throws(() => new FrameDecoder().push(Buffer.from('GET / HTTP/1.1\r\n')), FrameError);
    assert.throws(() => new FrameDecoder().push(Buffer.from('1000000#x')), FrameError);
    assert.throws(() => new FrameDecoder().push(Buffer.from('0#')), FrameError);
  });

  test('app leaders decode into typed messages', () => {
    assert.deepEqual(parseAppMessage('id1|authenticate|s3|t1,t2'), { kind: 'authenticate', id: 'id1', secret: 's3', tags: ['t1', 't2'] });
    assert.deepEqual(parseAppMessage('id2|route|INVITE'), { kind: 'route', id: 'id2', verb: 'invite' });
    const sip = parseAppMessage('id3|sip|t|d|sip:1.2.3.4:5\r\nBYE sip:x SIP/2.0\r\n\r\n');
    assert.deepEqual(sip, { kind: 'sip', id: 'id3', txnId: 't', dialogId: 'd', proxy: 'sip:1.2.3.4:5', sip: 'BYE sip:x SIP/2.0\r\n\r\n' });
  });

  test('SIP pushed to the app carries at least ten tokens where srf reads them', () => {
    const meta = { source: 'network' as const, bytes: 10, proto: 'udp', address: '1.2.3.4', port: 5060, txnId: 'T', dialogId: 'D' };
    const t = sipToApp(meta, 'X').split('\r\n')[0]!.split('|');
    assert.ok(t.length >= 10);
    assert.deepEqual([t[1], t[2], t[4], t[5], t[6], t[8], t[9]], ['sip', 'network', 'udp', '1.2.3.4', '5060', 'T', 'D']);
    const withRcv = sipToApp(meta, 'X', { host: '127.0.0.1', port: 5070 }).split('\r\n')[0]!.split('|');
    assert.deepEqual([withRcv[10], withRcv[11]], ['127.0.0.1', '5070']);
  });

  test('the "Msg sent" echo puts transaction and dialog ids where srf reads them', () => {
    const echo = sentEcho('REQ', { source: 'application', bytes: 3, proto: 'tcp', address: 'h', port: 1, txnId: 'T', dialogId: 'D' }, 'SIP');
    const t = echo.split('\r\n')[0]!.split('|');
    assert.equal(t[1], 'response');
    assert.equal(t[2], 'REQ');
    assert.equal(t[3], 'OK');
    assert.equal(t[10], 'T');
    assert.equal(t[11], 'D');
    assert.notEqual(t[12], 'continue');
    assert.match(stackTime(new Date(Date.UTC(2024, 0, 1, 1, 2, 3, 45))), /^01:02:03\.045000$/);
  });

  test('TCP SIP framing cuts by Content-Length, skips keepalive CRLFs and refuses endless headers', () => {
    const f = new StreamFramer();
    const a = 'OPTIONS sip:x SIP/2.0\r\nContent-Length: 5\r\n\r\nhello';
    const b = 'OPTIONS sip:y SIP/2.0\r\nl: 0\r\n\r\n';
    const out = f.push(Buffer.from(`\r\n\r\n${a}${b}`.slice(0, 30)));
    assert.equal(out.length, 0);
    const rest = f.push(Buffer.from(`\r\n\r\n${a}${b}`.slice(30)));
    assert.deepEqual(rest.map((x) => x.toString()), [a, b]);
    assert.throws(() => new StreamFramer().push(Buffer.alloc(70_000, 0x41)));
    assert.throws(() => new StreamFramer().push(Buffer.from('OPTIONS sip:x SIP/2.0\r\nContent-Length: 99999999\r\n\r\n')), /too large/);
  });
});
