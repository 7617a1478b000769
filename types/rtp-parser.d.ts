// rtp-parser 1.0.0 ships no types. This describes what index.js really returns, quirks included:
// `csrc` is read from the wrong offset and `payload` still holds any header extension and padding,
// so protocols/rtp/packet.ts validates and re-slices before trusting either.
declare module 'rtp-parser' {
  export interface RtpParserPacket {
    version: number;
    padding: 0 | 1;
    extension: 0 | 1;
    csrcCount: number;
    marker: 0 | 1;
    payloadType: number;
    sequenceNumber: number;
    timestamp: number;
    ssrc: number;
    csrc: number[];
    payload: Buffer;
  }

  export interface RtpPayloadTypeInfo {
    name: string;
    mediaType?: 'A' | 'V' | 'AV';
    clockRate?: number;
    channels?: number;
  }

  export const FIXED_HEADER_LENGTH: 12;
  /** Throws on a non-Buffer or a buffer shorter than 12 bytes. */
  export function parseRtpPacket(buf: Buffer): RtpParserPacket;
  export const payloadTypesHash: Readonly<Record<number, RtpPayloadTypeInfo>>;
  /** Table lookup; 96–127 answer `{ name: 'dynamic' }`; throws outside 0–127. */
  export function parseRtpPayloadType(payloadType: number): RtpPayloadTypeInfo;
}
