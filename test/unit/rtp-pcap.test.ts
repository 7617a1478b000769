import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PcapError, readPcapUdp } from '../../protocols/rtp/pcap.js';

function ipv4Udp(payload: Buffer, srcPort: number, dstPort: number): Buffer {
  const udp = Buffer.alloc(8);
  udp.writeUInt16BE(srcPort, 0);
  udp.writeUInt16BE(dstPort, 2);
  udp.writeUInt16BE(8 + payload.length, 4);
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(20 + 8 + payload.length, 2);
  ip[9] = 17;
  ip.set([10, 0, 0, 1], 12);
  ip.set([10, 0, 0, 2], 16);
  return Buffer.concat([ip, udp, payload]);
}

function pcap(bigEndian: boolean, linkType: number, frames: Buffer[]): Buffer {
  const w32 = (b: Buffer, v: number, o: number) => (bigEndian ? b.writeUInt32BE(v, o) : b.writeUInt32LE(v, o));
  const head = Buffer.alloc(24);
  w32(head, 0xa1b2c3d4, 0);
  w32(head, 65535, 16);
  w32(head, linkType, 20);
  const records = frames.map((f, i) => {
    const r = Buffer.alloc(16);
    w32(r, 1000 + i, 0);
    w32(r, 250_000, 4);
    w32(r, f.length, 8);
    w32(r, f.length, 12);
    return Buffer.concat([r, f]);
  });
  return Buffer.concat([head, ...records]);
}

test('UDP datagrams come out of big-endian captures on Linux cooked, VLAN Ethernet and raw IP links', () => {
  const payload = Buffer.from('rtp!');
  const ip = ipv4Udp(payload, 5000, 6000);
  const sll = Buffer.concat([Buffer.alloc(16), ip]);
  const vlan = Buffer.concat([Buffer.alloc(12), Buffer.from('8100000a0800', 'hex'), ip]);
  for (const [link, frame] of [[113, sll], [1, vlan], [101, ip]] as const) {
    const [d, ...rest] = readPcapUdp(pcap(true, link, [frame]));
    assert.equal(rest.length, 0);
    assert.deepEqual(
      { src: d!.srcAddress, sport: d!.srcPort, dst: d!.dstAddress, dport: d!.dstPort, payload: d!.payload.toString(), t: d!.timeUs },
      { src: '10.0.0.1', sport: 5000, dst: '10.0.0.2', dport: 6000, payload: 'rtp!', t: 1000_250_000 },
    );
  }
});

test('non-UDP frames are skipped and non-pcap files refused', () => {
  const tcp = ipv4Udp(Buffer.from('x'), 1, 2);
  tcp[9] = 6;
  assert.deepEqual(readPcapUdp(pcap(false, 101, [tcp])), []);
  assert.throws(() => readPcapUdp(Buffer.alloc(24)), PcapError);
});
