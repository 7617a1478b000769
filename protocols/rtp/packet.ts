// RTP packets in and out. Incoming packets go through rtp-parser for the fixed header, then get
// validated here because rtp-parser reads CSRCs from the wrong offset and leaves header extensions
// and padding inside `payload` (see types/rtp-parser.d.ts).
import { parseRtpPacket } from 'rtp-parser';

export const RTP_HEADER_LENGTH = 12;

export interface RtpPacket {
  marker: boolean;
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  csrc: number[];
  /** Media bytes only: no CSRC list, header extension or padding. A view into the datagram. */
  payload: Buffer;
}

export class RtpPacketError extends Error {
  override name = 'RtpPacketError';
}

/** Parses one UDP datagram as RTP; throws RtpPacketError when it is not a well-formed RTP v2 packet. */
export function parseRtp(datagram: Buffer): RtpPacket {
  if (datagram.length < RTP_HEADER_LENGTH) throw new RtpPacketError(`datagram of ${datagram.length} bytes is shorter than an RTP header`);
  // rtp-parser reads CSRCs without bounds checks, so a lying CC field must be caught before it.
  const csrcCount = (datagram[0] as number) & 0x0f;
  if (RTP_HEADER_LENGTH + 4 * csrcCount > datagram.length) throw new RtpPacketError(`CSRC count ${csrcCount} runs past the datagram`);
  const raw = parseRtpPacket(datagram);
  if (raw.version !== 2) throw new RtpPacketError(`RTP version ${raw.version}, expected 2`);
  // RTCP shares the version bits; its packet types 200–204 land on marker=1, PT 72–76.
  if (raw.payloadType >= 72 && raw.payloadType <= 76) throw new RtpPacketError(`payload type ${raw.payloadType} is RTCP`);

  let start = RTP_HEADER_LENGTH + 4 * raw.csrcCount;
  const csrc: number[] = [];
  for (let i = 0; i < raw.csrcCount; i++) csrc.push(datagram.readUInt32BE(RTP_HEADER_LENGTH + 4 * i));

  if (raw.extension) {
    if (start + 4 > datagram.length) throw new RtpPacketError('header extension runs past the datagram');
    const words = datagram.readUInt16BE(start + 2);
    start += 4 + 4 * words;
    if (start > datagram.length) throw new RtpPacketError('header extension runs past the datagram');
  }

  let end = datagram.length;
  if (raw.padding) {
    const pad = datagram[end - 1] ?? 0;
    if (pad === 0 || end - pad < start) throw new RtpPacketError(`bad padding length ${pad}`);
    end -= pad;
  }

  return {
    marker: raw.marker === 1,
    payloadType: raw.payloadType,
    sequenceNumber: raw.sequenceNumber,
    timestamp: raw.timestamp,
    ssrc: raw.ssrc,
    csrc,
    payload: datagram.subarray(start, end),
  };
}

export interface RtpHeaderFields {
  marker: boolean;
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
}

/** Writes a 12-byte RTP v2 header (no CSRC, extension or padding) at `offset` of `buf`. */
export function writeRtpHeader(buf: Buffer, h: RtpHeaderFields, offset = 0): void {
  writeHeaderAt(buf, offset, h.marker, h.payloadType, h.sequenceNumber, h.timestamp, h.ssrc);
}

function writeHeaderAt(buf: Buffer, offset: number, marker: boolean, payloadType: number, sequenceNumber: number, timestamp: number, ssrc: number): void {
  buf[offset] = 0x80;
  buf[offset + 1] = (marker ? 0x80 : 0) | (payloadType & 0x7f);
  buf.writeUInt16BE(sequenceNumber & 0xffff, offset + 2);
  buf.writeUInt32BE(timestamp >>> 0, offset + 4);
  buf.writeUInt32BE(ssrc >>> 0, offset + 8);
}

/**
 * One stream's outgoing packets of one size, reused round-robin instead of allocated per packet (50 a second
 * per leg is garbage the media thread would otherwise collect). dgram hands a buffer to the kernel before
 * send() returns unless the socket's queue is backed up; only a backlog longer than the ring (`size` × 20 ms)
 * could see a queued buffer rewritten, and such a stream has lost that audio already.
 */
export class PacketRing {
  private readonly slots: Buffer[];
  private next = 0;

  constructor(payloadLength: number, size = 16) {
    const length = RTP_HEADER_LENGTH + payloadLength;
    const slab = Buffer.alloc(size * length);
    this.slots = Array.from({ length: size }, (_, i) => slab.subarray(i * length, (i + 1) * length));
  }

  /** The next buffer, header written, payload left for the caller to fill in place. */
  take(marker: boolean, payloadType: number, sequenceNumber: number, timestamp: number, ssrc: number): Buffer {
    const buf = this.slots[this.next] as Buffer;
    this.next = (this.next + 1) % this.slots.length;
    writeHeaderAt(buf, 0, marker, payloadType, sequenceNumber, timestamp, ssrc);
    return buf;
  }
}

/**
 * A fresh buffer for one whole outgoing packet, header written, payload left for the caller to fill
 * in place: for one-off packets; a stream's packets come from its PacketRing.
 */
export function allocRtpPacket(h: RtpHeaderFields, payloadLength: number): Buffer {
  const buf = Buffer.allocUnsafe(RTP_HEADER_LENGTH + payloadLength);
  writeRtpHeader(buf, h);
  return buf;
}
