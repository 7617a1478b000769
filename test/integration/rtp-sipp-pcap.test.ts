// sipp's own RFC 4733 and G.711 captures (Debian's sip-tester package), read from where the package
// installed them and replayed over loopback UDP into an RtpEndpoint.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { DtmfDetector } from '../../protocols/rtp/dtmf.js';
import { RtpEndpoint } from '../../protocols/rtp/endpoint.js';
import { parseRtp } from '../../protocols/rtp/packet.js';
import { readPcapUdp, type PcapDatagram } from '../../protocols/rtp/pcap.js';
import { PortPool } from '../../protocols/rtp/port-pool.js';

function sippCapture(name: string): PcapDatagram[] {
  const listing = execFileSync('dpkg', ['-L', 'sip-tester'], { encoding: 'utf8' });
  const path = listing.split('\n').find((l) => l.endsWith(`/${name}`));
  assert.ok(path, `sip-tester must be installed and ship ${name}`);
  return readPcapUdp(readFileSync(path));
}

/** Sends the captured datagrams to `port` with their original spacing; returns the sender's port. */
async function replay(datagrams: PcapDatagram[], port: number): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const start = performance.now();
  const t0 = datagrams[0]?.timeUs ?? 0;
  for (const d of datagrams) {
    const due = (d.timeUs - t0) / 1000 - (performance.now() - start);
    if (due > 1) await sleep(due);
    await new Promise<void>((resolve, reject) => socket.send(d.payload, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
  }
  const own = socket.address().port;
  socket.close();
  return own;
}

function freshPool(): PortPool {
  const base = 20000 + 2 * Math.floor(Math.random() * 10000);
  return new PortPool(`${base}-${base + 99}`);
}

test('dtmf_2833_1.pcap holds one press of "1", and the detector reports it exactly once', () => {
  const packets = sippCapture('dtmf_2833_1.pcap').map((d) => parseRtp(d.payload));
  assert.equal(packets.length, 10);
  assert.ok(packets.every((p) => p.payloadType === 101));
  const detector = new DtmfDetector();
  const heard = packets.map((p) => detector.onPacket(p.ssrc, p.timestamp, p.payload)).filter((d) => d !== undefined);
  assert.deepEqual(heard, ['1']);
});

test('sipp DTMF captures replayed over UDP reach an endpoint as "1#", once each, without latching the DTMF source', async (t) => {
  const pool = freshPool();
  const endpoint = await RtpEndpoint.open({ pool, media: { codec: { pt: 8, name: 'PCMA', rate: 8000 }, telephoneEventPt: 101 } });
  t.after(() => endpoint.close());
  const heard: string[] = [];
  endpoint.on('dtmf', (d) => heard.push(d));
  await replay(sippCapture('dtmf_2833_1.pcap'), endpoint.port);
  await sleep(50);
  assert.equal(endpoint.stats().packetsIn, 10);
  assert.equal(endpoint.stats().lost, 0);
  await replay(sippCapture('dtmf_2833_pound.pcap'), endpoint.port);
  await sleep(50);
  assert.deepEqual(heard, ['1', '#']);
  assert.equal(endpoint.remote, undefined);
});

test('sipp g711a.pcap (PCMA, 30 ms frames) decodes and latches the sender', async (t) => {
  const pool = freshPool();
  const endpoint = await RtpEndpoint.open({ pool, media: { codec: { pt: 8, name: 'PCMA', rate: 8000 } } });
  t.after(() => endpoint.close());
  const frames: Int16Array[] = [];
  endpoint.on('audio', (f) => frames.push(f));
  const first = sippCapture('g711a.pcap').slice(0, 20); // 0.6 s of the 7 s capture
  const senderPort = await replay(first, endpoint.port);
  await sleep(50);
  assert.equal(frames.length, 20);
  assert.ok(frames.every((f) => f.length === 240));
  assert.deepEqual(endpoint.remote, { address: '127.0.0.1', port: senderPort });
  assert.equal(endpoint.stats().packetsIn, 20);
  assert.equal(endpoint.stats().lost, 0);
});
