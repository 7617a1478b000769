// G.711 through lookup tables built once from alawmulaw, so encoding a frame writes straight into
// the outgoing packet buffer: no intermediate arrays per packet, which matters at 50k packets/s.
import alawmulaw from 'alawmulaw';

export type G711Codec = 'PCMU' | 'PCMA';

/** Samples per 20 ms packet at 8 kHz. */
export const FRAME_SAMPLES = 160;

function encodeTable(encodeSample: (s: number) => number): Uint8Array {
  const table = new Uint8Array(65536);
  for (let s = -32768; s < 32768; s++) table[s & 0xffff] = encodeSample(s);
  return table;
}

function decodeTable(decodeSample: (b: number) => number): Int16Array {
  const table = new Int16Array(256);
  for (let b = 0; b < 256; b++) table[b] = decodeSample(b);
  return table;
}

const ENCODE: Record<G711Codec, Uint8Array> = {
  PCMU: encodeTable(alawmulaw.mulaw.encodeSample),
  PCMA: encodeTable(alawmulaw.alaw.encodeSample),
};
const DECODE: Record<G711Codec, Int16Array> = {
  PCMU: decodeTable(alawmulaw.mulaw.decodeSample),
  PCMA: decodeTable(alawmulaw.alaw.decodeSample),
};

/** The codec byte for digital silence (0x00 is the *loudest* μ-law value, not silence). */
export const SILENCE_BYTE: Record<G711Codec, number> = {
  PCMU: ENCODE.PCMU[0] ?? 0xff,
  PCMA: ENCODE.PCMA[0] ?? 0xd5,
};

/**
 * Encodes `count` samples of `pcm` starting at `from` into `out` at `offset`. Samples past the end
 * of `pcm` are written as silence so a short last frame still fills its packet.
 */
export function encodeG711(codec: G711Codec, pcm: Int16Array, from: number, count: number, out: Uint8Array, offset: number): void {
  const table = ENCODE[codec];
  const end = Math.min(pcm.length, from + count);
  let o = offset;
  for (let i = from; i < end; i++) out[o++] = table[(pcm[i] as number) & 0xffff] as number;
  const silence = SILENCE_BYTE[codec];
  while (o < offset + count) out[o++] = silence;
}

export function decodeG711(codec: G711Codec, bytes: Uint8Array): Int16Array {
  const table = DECODE[codec];
  const out = new Int16Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = table[bytes[i] as number] as number;
  return out;
}

/** Static payload types of RFC 3551; the only audio codecs tandem speaks. */
export function codecForPayloadType(pt: number): G711Codec | undefined {
  return pt === 0 ? 'PCMU' : pt === 8 ? 'PCMA' : undefined;
}
