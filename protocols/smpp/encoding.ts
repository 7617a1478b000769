// Text <-> SMPP short_message bytes: GSM 03.38 (unpacked, one septet per byte, the SMPP convention),
// UCS-2 (UTF-16BE) and Latin-1, plus segmentation into concatenated-SMS parts.
// Every table is built once at module load; the per-call paths are plain loops over typed arrays.

const ESC = 0x1b;

/** GSM 03.38 default alphabet, indexed by septet. 0x1B is the escape to the extension table. */
const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';

/** Extension table: septet after ESC -> character. Each costs two septets on the air. */
const GSM_EXTENSION: ReadonlyArray<readonly [number, string]> = [
  [0x0a, '\f'],
  [0x14, '^'],
  [0x28, '{'],
  [0x29, '}'],
  [0x2f, '\\'],
  [0x3c, '['],
  [0x3d, '~'],
  [0x3e, ']'],
  [0x40, '|'],
  [0x65, '€'],
];

/**
 * UTF-16 code unit -> GSM: 0..127 basic septet, 0x100 | septet for an extension character, -1 not GSM.
 * A 64 Ki-entry table (128 KiB) makes detection and encoding one array read per character.
 */
const ENCODE = new Int16Array(0x10000).fill(-1);
/** septet -> code unit (basic table) and septet -> code unit after ESC (0 = not in extension table). */
const DECODE_BASIC = new Uint16Array(128);
const DECODE_EXT = new Uint16Array(128);

for (let i = 0; i < 128; i++) {
  const code = GSM_BASIC.charCodeAt(i);
  DECODE_BASIC[i] = code;
  // A literal ESC in the text is not a character anyone can type; treat it as non-GSM.
  if (i !== ESC) ENCODE[code] = i;
}
for (const [septet, ch] of GSM_EXTENSION) {
  DECODE_EXT[septet] = ch.charCodeAt(0);
  ENCODE[ch.charCodeAt(0)] = 0x100 | septet;
}

export type TextEncoding = 'gsm7' | 'ucs2';

export const DATA_CODING_GSM = 0;
export const DATA_CODING_IA5 = 1;
export const DATA_CODING_LATIN1 = 3;
export const DATA_CODING_UCS2 = 8;

/** True when every character of `text` is in the GSM 03.38 default or extension table. */
export function isGsm7(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    if (ENCODE[text.charCodeAt(i)]! < 0) return false;
  }
  return true;
}

export function detectEncoding(text: string): TextEncoding {
  return isGsm7(text) ? 'gsm7' : 'ucs2';
}

/** Number of septets `text` needs (extension characters count two). Returns -1 if not GSM-7. */
export function gsmSeptetCount(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const e = ENCODE[text.charCodeAt(i)]!;
    if (e < 0) return -1;
    n += e > 0xff ? 2 : 1;
  }
  return n;
}

/** GSM 03.38, unpacked (one septet per byte). Characters outside GSM-7 become '?'. */
export function encodeGsm7(text: string): Buffer {
  const out = Buffer.allocUnsafe(text.length * 2);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const e = ENCODE[text.charCodeAt(i)]!;
    if (e < 0) out[n++] = 0x3f;
    else if (e > 0xff) {
      out[n++] = ESC;
      out[n++] = e & 0x7f;
    } else out[n++] = e;
  }
  return out.subarray(0, n);
}

/** Decodes unpacked GSM 03.38 (data_coding 0). An unknown escape shows the basic character, per 03.38. */
export function decodeGsm7(bytes: Uint8Array): string {
  let out = '';
  const codes: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    const s = bytes[i]! & 0x7f;
    if (s === ESC) {
      const next = bytes[i + 1];
      if (next === undefined) break;
      i++;
      const ext = DECODE_EXT[next & 0x7f]!;
      codes.push(ext !== 0 ? ext : DECODE_BASIC[next & 0x7f]!);
    } else codes.push(DECODE_BASIC[s]!);
    if (codes.length >= 4096) {
      out += String.fromCharCode(...codes);
      codes.length = 0;
    }
  }
  return out + String.fromCharCode(...codes);
}

/** UTF-16BE. Astral characters stay as their surrogate pairs, which is what UCS-2 handsets expect. */
export function encodeUcs2(text: string): Buffer {
  const out = Buffer.from(text, 'utf16le');
  return out.swap16();
}

export function decodeUcs2(bytes: Uint8Array): string {
  const even = bytes.length & ~1;
  const copy = Buffer.allocUnsafe(even);
  for (let i = 0; i < even; i += 2) {
    copy[i] = bytes[i + 1]!;
    copy[i + 1] = bytes[i]!;
  }
  return copy.toString('utf16le');
}

export function decodeLatin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/**
 * Decodes short_message bytes by SMPP data_coding: 0 GSM 03.38, 1 IA5/ASCII, 3 Latin-1, 8 UCS-2,
 * 0xF0..0xF7 (message class groups: bit 2 set = 8-bit data) and the 8-bit data codings as Latin-1.
 */
export function decodeText(dataCoding: number, bytes: Uint8Array): string {
  switch (dataCoding) {
    case DATA_CODING_GSM:
      return decodeGsm7(bytes);
    case DATA_CODING_UCS2:
      return decodeUcs2(bytes);
    case DATA_CODING_IA5:
    case DATA_CODING_LATIN1:
      return decodeLatin1(bytes);
    default:
      if ((dataCoding & 0xf0) === 0xf0) return dataCoding & 0x04 ? decodeLatin1(bytes) : decodeGsm7(bytes);
      return decodeLatin1(bytes);
  }
}

export interface SegmentPlan {
  encoding: TextEncoding;
  dataCoding: 0 | 8;
  /** Payload bytes of each part, without UDH. */
  segments: Buffer[];
  numSegments: number;
}

export const GSM7_SINGLE = 160;
export const GSM7_PART = 153;
export const UCS2_SINGLE = 70;
export const UCS2_PART = 67;

/**
 * Splits `body` into SMS parts: 160 septets single / 153 per part (6-byte UDH), 70 / 67 UCS-2 code
 * units. A part never ends between ESC and its extension character, nor inside a surrogate pair.
 */
export function planSegments(body: string): SegmentPlan {
  if (isGsm7(body)) {
    const bytes = encodeGsm7(body);
    if (bytes.length <= GSM7_SINGLE) return { encoding: 'gsm7', dataCoding: 0, segments: [bytes], numSegments: 1 };
    const segments: Buffer[] = [];
    let start = 0;
    while (start < bytes.length) {
      let end = Math.min(start + GSM7_PART, bytes.length);
      // Septet 0x1B only ever appears as an escape prefix (a literal ESC is not GSM-encodable here).
      if (end < bytes.length && bytes[end - 1] === ESC) end--;
      segments.push(bytes.subarray(start, end));
      start = end;
    }
    return { encoding: 'gsm7', dataCoding: 0, segments, numSegments: segments.length };
  }
  const bytes = encodeUcs2(body);
  const units = body.length;
  if (units <= UCS2_SINGLE) return { encoding: 'ucs2', dataCoding: 8, segments: [bytes], numSegments: 1 };
  const segments: Buffer[] = [];
  let start = 0;
  while (start < units) {
    let end = Math.min(start + UCS2_PART, units);
    const last = body.charCodeAt(end - 1);
    if (end < units && last >= 0xd800 && last <= 0xdbff) end--;
    segments.push(bytes.subarray(start * 2, end * 2));
    start = end;
  }
  return { encoding: 'ucs2', dataCoding: 8, segments, numSegments: segments.length };
}

/** Segment count only, without building buffers (for num_segments and rate accounting). */
export function countSegments(body: string): number {
  const septets = gsmSeptetCount(body);
  if (septets >= 0) {
    if (septets <= GSM7_SINGLE) return 1;
    // Escapes can shift boundaries, so count exactly when any are present.
    if (septets !== body.length) return planSegments(body).numSegments;
    return Math.ceil(septets / GSM7_PART);
  }
  if (body.length <= UCS2_SINGLE) return 1;
  return planSegments(body).numSegments;
}
