// Reads the UDP datagrams out of a classic libpcap file (sipp's DTMF and G.711 captures), so tests,
// the sandbox handset and the benchmark can replay real-world RTP without a capture library.

export interface PcapDatagram {
  /** Capture time in microseconds since the epoch. */
  timeUs: number;
  srcAddress: string;
  srcPort: number;
  dstAddress: string;
  dstPort: number;
  payload: Buffer;
}

export class PcapError extends Error {
  override name = 'PcapError';
}

const LINKTYPE_NULL = 0;
const LINKTYPE_ETHERNET = 1;
const LINKTYPE_RAW = 101;
const LINKTYPE_LINUX_SLL = 113;
const LINKTYPE_IPV4 = 228;
const LINKTYPE_IPV6 = 229;

/** Every UDP datagram over IPv4 or IPv6 in the capture, in file order; other frames are skipped. */
export function readPcapUdp(file: Buffer): PcapDatagram[] {
  if (file.length < 24) throw new PcapError('file shorter than a pcap global header');
  const magic = file.readUInt32LE(0);
  let little: boolean;
  let nanos = false;
  if (magic === 0xa1b2c3d4) little = true;
  else if (magic === 0xd4c3b2a1) little = false;
  else if (magic === 0xa1b23c4d) (little = true), (nanos = true);
  else if (magic === 0x4d3cb2a1) (little = false), (nanos = true);
  else throw new PcapError('not a libpcap file (pcapng is not supported)');
  const u32 = (o: number) => (little ? file.readUInt32LE(o) : file.readUInt32BE(o));
  const linkType = u32(20) & 0x0fffffff;

  const out: PcapDatagram[] = [];
  for (let off = 24; off + 16 <= file.length; ) {
    const sec = u32(off);
    const frac = u32(off + 4);
    const capLen = u32(off + 8);
    const frame = file.subarray(off + 16, Math.min(file.length, off + 16 + capLen));
    off += 16 + capLen;
    const ip = networkLayer(frame, linkType);
    const dgram = ip && udpOf(ip);
    if (dgram) out.push({ timeUs: sec * 1e6 + (nanos ? Math.floor(frac / 1000) : frac), ...dgram });
  }
  return out;
}

function networkLayer(frame: Buffer, linkType: number): Buffer | undefined {
  switch (linkType) {
    case LINKTYPE_ETHERNET: {
      let off = 12;
      let etherType = frame.length >= 14 ? frame.readUInt16BE(off) : 0;
      while ((etherType === 0x8100 || etherType === 0x88a8) && frame.length >= off + 6) {
        off += 4; // VLAN tag
        etherType = frame.readUInt16BE(off);
      }
      return etherType === 0x0800 || etherType === 0x86dd ? frame.subarray(off + 2) : undefined;
    }
    case LINKTYPE_LINUX_SLL:
      return frame.subarray(16);
    case LINKTYPE_NULL:
      return frame.subarray(4);
    case LINKTYPE_RAW:
    case LINKTYPE_IPV4:
    case LINKTYPE_IPV6:
      return frame;
    default:
      return undefined;
  }
}

function udpOf(ip: Buffer): Omit<PcapDatagram, 'timeUs'> | undefined {
  if (ip.length < 1) return undefined;
  const version = (ip[0] as number) >> 4;
  let udp: Buffer;
  let src: string;
  let dst: string;
  if (version === 4) {
    const ihl = ((ip[0] as number) & 0x0f) * 4;
    if (ip.length < ihl + 8 || ip[9] !== 17) return undefined;
    // Fragments other than the first have no UDP header of their own.
    if ((ip.readUInt16BE(6) & 0x1fff) !== 0) return undefined;
    const total = Math.min(ip.readUInt16BE(2), ip.length);
    udp = ip.subarray(ihl, total);
    src = Array.from(ip.subarray(12, 16)).join('.');
    dst = Array.from(ip.subarray(16, 20)).join('.');
  } else if (version === 6) {
    if (ip.length < 48 || ip[6] !== 17) return undefined; // UDP right after the fixed header only
    udp = ip.subarray(40, 40 + ip.readUInt16BE(4));
    src = ipv6(ip.subarray(8, 24));
    dst = ipv6(ip.subarray(24, 40));
  } else {
    return undefined;
  }
  if (udp.length < 8) return undefined;
  const len = Math.min(udp.readUInt16BE(4), udp.length);
  return { srcAddress: src, srcPort: udp.readUInt16BE(0), dstAddress: dst, dstPort: udp.readUInt16BE(2), payload: udp.subarray(8, len) };
}

function ipv6(b: Buffer): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i).toString(16));
  return groups.join(':');
}
