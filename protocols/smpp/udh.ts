// Concatenated SMS: the User Data Header forms (IEI 0x00 with an 8-bit reference, IEI 0x08 with a
// 16-bit one) and the SMPP sar_* TLV form. Values here are wire facts only; reassembly policy lives
// with whoever stores the parts.
import type { SegmentPlan } from './encoding.js';

/** esm_class bit: short_message starts with a UDH. */
export const ESM_UDHI = 0x40;

export interface ConcatInfo {
  /** Reference shared by all parts of one message (0..255 or 0..65535). */
  ref: number;
  total: number;
  /** 1-based part number. */
  seq: number;
}

export interface SplitUdh {
  concat?: ConcatInfo;
  /** short_message without its UDH. */
  payload: Buffer;
}

/** The 6-byte UDH for part `seq` of `total` with an 8-bit reference. */
export function concatUdh8(ref: number, total: number, seq: number): Buffer {
  return Buffer.from([0x05, 0x00, 0x03, ref & 0xff, total, seq]);
}

/** The 7-byte UDH for part `seq` of `total` with a 16-bit reference. */
export function concatUdh16(ref: number, total: number, seq: number): Buffer {
  return Buffer.from([0x06, 0x08, 0x04, (ref >> 8) & 0xff, ref & 0xff, total, seq]);
}

/**
 * Splits a short_message whose esm_class has UDHI set into its concatenation info (if any) and
 * payload. A malformed header (length past the end) yields the whole buffer as payload, no concat.
 */
export function splitUdh(shortMessage: Buffer): SplitUdh {
  const udhl = shortMessage[0];
  if (udhl === undefined || 1 + udhl > shortMessage.length) return { payload: shortMessage };
  const payload = shortMessage.subarray(1 + udhl);
  let concat: ConcatInfo | undefined;
  let i = 1;
  const end = 1 + udhl;
  while (i + 1 < end) {
    const iei = shortMessage[i]!;
    const len = shortMessage[i + 1]!;
    const at = i + 2;
    if (at + len > end) break;
    if (iei === 0x00 && len === 3) {
      concat = validConcat(shortMessage[at]!, shortMessage[at + 1]!, shortMessage[at + 2]!);
    } else if (iei === 0x08 && len === 4) {
      concat = validConcat((shortMessage[at]! << 8) | shortMessage[at + 1]!, shortMessage[at + 2]!, shortMessage[at + 3]!);
    }
    i = at + len;
  }
  return concat ? { concat, payload } : { payload };
}

function validConcat(ref: number, total: number, seq: number): ConcatInfo | undefined {
  if (total < 1 || seq < 1 || seq > total) return undefined;
  return { ref, total, seq };
}

export interface SarTlvs {
  sar_msg_ref_num?: number;
  sar_total_segments?: number;
  sar_segment_seqnum?: number;
}

/** Concatenation info from the sar_* TLVs, when all three are present and consistent. */
export function concatFromSar(t: SarTlvs): ConcatInfo | undefined {
  if (t.sar_msg_ref_num === undefined || t.sar_total_segments === undefined || t.sar_segment_seqnum === undefined) {
    return undefined;
  }
  return validConcat(t.sar_msg_ref_num, t.sar_total_segments, t.sar_segment_seqnum);
}

export function sarTlvs(ref: number, total: number, seq: number): Required<SarTlvs> {
  return { sar_msg_ref_num: ref & 0xffff, sar_total_segments: total, sar_segment_seqnum: seq };
}

let refCounter = Math.floor(Math.random() * 256);

/** A fresh 8-bit concatenation reference (rolling counter, random start per process). */
export function nextConcatRef(): number {
  refCounter = (refCounter + 1) & 0xff;
  return refCounter;
}

export interface SubmitParts {
  esmClass: number;
  dataCoding: 0 | 8;
  /** One short_message per submit_sm, UDH included for multi-part messages. */
  shortMessages: Buffer[];
}

/**
 * Ready-to-send short_message buffers for a planned message. Multi-part messages get an 8-bit
 * reference UDH (the 153/67 sizes in planSegments assume its 6 bytes) and esm_class 0x40.
 */
export function buildSubmitParts(plan: SegmentPlan, ref: number): SubmitParts {
  if (plan.numSegments === 1) {
    return { esmClass: 0, dataCoding: plan.dataCoding, shortMessages: [plan.segments[0] ?? Buffer.alloc(0)] };
  }
  const total = plan.numSegments;
  const shortMessages: Buffer[] = new Array(total);
  for (let i = 0; i < total; i++) {
    const payload = plan.segments[i]!;
    const buf = Buffer.allocUnsafe(6 + payload.length);
    buf[0] = 0x05;
    buf[1] = 0x00;
    buf[2] = 0x03;
    buf[3] = ref & 0xff;
    buf[4] = total;
    buf[5] = i + 1;
    payload.copy(buf, 6);
    shortMessages[i] = buf;
  }
  return { esmClass: ESM_UDHI, dataCoding: plan.dataCoding, shortMessages };
}
