// The hot PDUs (submit_sm, deliver_sm and their responses) encoded straight into one Buffer.
// node-smpp's generic PDU class walks every field with for..in loops and filters on each encode; at
// thousands of PDUs per second these encoders do the same job in one allocation. Byte-for-byte equal
// to node-smpp's output (checked in test/unit/smpp-pdu-encode.test.ts).

import { toSmppAddress, type SmRouting } from './address.js';

export const SUBMIT_SM = 0x00000004;
export const DELIVER_SM = 0x00000005;
export const SUBMIT_SM_RESP = 0x80000004;
export const DELIVER_SM_RESP = 0x80000005;
const TLV_RECEIPTED_MESSAGE_ID = 0x001e;
const TLV_MESSAGE_STATE = 0x0427;

const TLV_SAR_MSG_REF_NUM = 0x020c;
const TLV_SAR_TOTAL_SEGMENTS = 0x020e;
const TLV_SAR_SEGMENT_SEQNUM = 0x020f;
const TLV_MESSAGE_PAYLOAD = 0x0424;

/** submit_sm and deliver_sm share one body layout: the addresses, then these. */
export interface SmFields extends SmRouting {
  esmClass: number;
  registeredDelivery: number;
  dataCoding: number;
  shortMessage: Buffer;
  /** Already in SMPP time format, or up to 12 digits meaning a relative period (as node-smpp treats it). */
  validityPeriod?: string;
  sar?: { ref: number; total: number; seq: number };
  /** Delivery receipts (deliver_sm): the TLVs that carry the receipt's id and state. */
  receiptedMessageId?: string;
  messageState?: number;
}

/**
 * A short message's fields from `source` to `dest`, every field written out. Built as `{ ...smRouting(…), esmClass, … }`
 * instead, V8 made a new hidden class for each PDU (perf profiles of tandem and of the sandbox SMSC under load).
 */
export function smFields(source: string, dest: string, esmClass: number, registeredDelivery: number, dataCoding: number, shortMessage: Buffer): SmFields {
  const s = toSmppAddress(source);
  const d = toSmppAddress(dest);
  return {
    sourceTon: s.ton,
    sourceNpi: s.npi,
    source: s.addr,
    destTon: d.ton,
    destNpi: d.npi,
    dest: d.addr,
    esmClass,
    registeredDelivery,
    dataCoding,
    shortMessage,
  };
}

/** The submit_sm view of SmFields. */
export type SubmitSmFields = SmFields;

export function encodeSubmitSm(sequence: number, f: SmFields): Buffer {
  return encodeSm(SUBMIT_SM, sequence, f);
}

export function encodeDeliverSm(sequence: number, f: SmFields): Buffer {
  return encodeSm(DELIVER_SM, sequence, f);
}

function encodeSm(commandId: number, sequence: number, f: SmFields): Buffer {
  const validity = smppTime(f.validityPeriod);
  // short_message holds at most 254 octets; longer user data goes in message_payload.
  const inPayload = f.shortMessage.length > 254;
  const smLen = inPayload ? 0 : f.shortMessage.length;
  const length =
    16 +
    1 + // service_type ""
    2 + f.source.length + 1 +
    2 + f.dest.length + 1 +
    3 + // esm_class, protocol_id, priority_flag
    1 + // schedule_delivery_time ""
    validity.length + 1 +
    4 + // registered_delivery, replace_if_present_flag, data_coding, sm_default_msg_id
    1 + smLen +
    (f.sar ? 6 + 5 + 5 : 0) +
    (f.receiptedMessageId !== undefined ? 4 + f.receiptedMessageId.length + 1 : 0) +
    (f.messageState !== undefined ? 5 : 0) +
    (inPayload ? 4 + f.shortMessage.length : 0);

  const b = Buffer.allocUnsafe(length);
  b.writeUInt32BE(length, 0);
  b.writeUInt32BE(commandId, 4);
  b.writeUInt32BE(0, 8);
  b.writeUInt32BE(sequence, 12);
  let o = 16;
  b[o++] = 0; // service_type
  b[o++] = f.sourceTon;
  b[o++] = f.sourceNpi;
  o += b.write(f.source, o, 'latin1');
  b[o++] = 0;
  b[o++] = f.destTon;
  b[o++] = f.destNpi;
  o += b.write(f.dest, o, 'latin1');
  b[o++] = 0;
  b[o++] = f.esmClass;
  b[o++] = 0; // protocol_id
  b[o++] = 0; // priority_flag
  b[o++] = 0; // schedule_delivery_time
  if (validity.length > 0) o += b.write(validity, o, 'latin1');
  b[o++] = 0;
  b[o++] = f.registeredDelivery;
  b[o++] = 0; // replace_if_present_flag
  b[o++] = f.dataCoding;
  b[o++] = 0; // sm_default_msg_id
  b[o++] = smLen;
  if (!inPayload) o += f.shortMessage.copy(b, o);
  if (f.sar) {
    o = b.writeUInt16BE(TLV_SAR_MSG_REF_NUM, o);
    o = b.writeUInt16BE(2, o);
    o = b.writeUInt16BE(f.sar.ref & 0xffff, o);
    o = b.writeUInt16BE(TLV_SAR_TOTAL_SEGMENTS, o);
    o = b.writeUInt16BE(1, o);
    b[o++] = f.sar.total;
    o = b.writeUInt16BE(TLV_SAR_SEGMENT_SEQNUM, o);
    o = b.writeUInt16BE(1, o);
    b[o++] = f.sar.seq;
  }
  if (f.receiptedMessageId !== undefined) {
    o = b.writeUInt16BE(TLV_RECEIPTED_MESSAGE_ID, o);
    o = b.writeUInt16BE(f.receiptedMessageId.length + 1, o);
    o += b.write(f.receiptedMessageId, o, 'latin1');
    b[o++] = 0;
  }
  if (f.messageState !== undefined) {
    o = b.writeUInt16BE(TLV_MESSAGE_STATE, o);
    o = b.writeUInt16BE(1, o);
    b[o++] = f.messageState;
  }
  if (inPayload) {
    o = b.writeUInt16BE(TLV_MESSAGE_PAYLOAD, o);
    o = b.writeUInt16BE(f.shortMessage.length, o);
    f.shortMessage.copy(b, o);
  }
  return b;
}

/** node-smpp's rule: a string of up to 12 characters is a relative time, padded and suffixed "000R". */
function smppTime(v: string | undefined): string {
  if (!v) return '';
  return v.length <= 12 ? v.padStart(12, '0') + '000R' : v;
}

/** submit_sm_resp: message_id on success; header only on error, as node-smpp and most SMSCs send it. */
export function encodeSubmitSmResp(status: number, sequence: number, messageId: string): Buffer {
  const length = status === 0 ? 16 + messageId.length + 1 : 16;
  const b = Buffer.allocUnsafe(length);
  b.writeUInt32BE(length, 0);
  b.writeUInt32BE(SUBMIT_SM_RESP, 4);
  b.writeUInt32BE(status, 8);
  b.writeUInt32BE(sequence, 12);
  if (status === 0) {
    b.write(messageId, 16, 'latin1');
    b[length - 1] = 0;
  }
  return b;
}

/** A response PDU with an empty message_id (deliver_sm_resp, data_sm_resp): 17 bytes. */
export function encodeEmptyIdResponse(commandId: number, status: number, sequence: number): Buffer {
  const b = Buffer.allocUnsafe(17);
  b.writeUInt32BE(17, 0);
  b.writeUInt32BE(commandId, 4);
  b.writeUInt32BE(status, 8);
  b.writeUInt32BE(sequence, 12);
  b[16] = 0;
  return b;
}
