// Incoming PDUs, decoded to the same objects node-smpp makes, without its generic machinery. node-smpp reads each
// PDU with two stream reads and a copy to re-join its length, decodes it with a `forEach` + `bind` for the header and a
// `for..in` over the command's parameters, and then runs a second `for..in` over every property looking for filters:
// ~3.5 % of tandem's main thread under the outbound bench (perf record: PDU._filter 1.8 %, PDU.fromBuffer 1.0 %,
// Session._extractPDUs 0.7 %). Here the four commands that carry the traffic (submit_sm, deliver_sm and their
// responses) are read field by field into objects of one fixed shape, and every other command goes through node-smpp's
// own definitions, flattened once, filtering only what has a filter. The result is the PDU node-smpp would make (same
// prototype, fields, order and values: test/unit/smpp-pdu-decode.test.ts compares them), so nothing downstream changes.
import { smpp, type PDU, type Session } from './wire.js';
import { DELIVER_SM, DELIVER_SM_RESP, SUBMIT_SM, SUBMIT_SM_RESP } from './pdu-encode.js';

interface FieldType {
  read(buffer: Buffer, offset: number, length?: number): unknown;
  size(value: unknown): number;
}
interface Filter {
  decode(this: PDU, value: unknown, skip?: unknown): unknown;
}
interface ParamDef {
  type: FieldType;
  filter?: Filter;
}
interface CommandDef {
  command: string;
  params?: Record<string, ParamDef>;
  tlvMap?: Record<string, string>;
}
interface TlvDef {
  tag: string;
  type: FieldType;
  multiple?: boolean;
  filter?: Filter;
}

const defs = smpp as unknown as {
  PDU: { prototype: object; maxLength: number };
  commandsById: Record<number, CommandDef>;
  tlvsById: Record<number, TlvDef>;
};

interface Plan {
  command: string;
  params: { key: string; type: FieldType; filter: Filter | undefined }[];
  tlvMap: Record<string, string> | undefined;
}

/** Each command's parameters in wire order, flattened the first time the command is seen. */
const plans = new Map<number, Plan | null>();

function planFor(id: number): Plan | null {
  let plan = plans.get(id);
  if (plan !== undefined) return plan;
  const def = defs.commandsById[id];
  plan = def
    ? {
        command: def.command,
        params: Object.entries(def.params ?? {}).map(([key, p]) => ({ key, type: p.type, filter: p.filter })),
        tlvMap: def.tlvMap,
      }
    : null;
  plans.set(id, plan);
  return plan;
}

type Fields = Record<string | number, unknown>;

/** One whole PDU (`buffer` holds exactly command_length bytes) as node-smpp's `new PDU(buffer)` would make it. */
export function decodePdu(buffer: Buffer): PDU {
  const length = buffer.readUInt32BE(0);
  if (length > defs.PDU.maxLength) {
    throw new Error(`PDU length was too large (${length}, maximum is ${defs.PDU.maxLength}).`);
  }
  const id = buffer.readUInt32BE(4);
  if (id === SUBMIT_SM || id === DELIVER_SM) {
    const pdu = SM_FAST ? decodeSm(buffer, length, id === SUBMIT_SM ? 'submit_sm' : 'deliver_sm') : null;
    if (pdu) return pdu;
  } else if ((id === SUBMIT_SM_RESP || id === DELIVER_SM_RESP) && length > 16) {
    const end = cstringEnd(buffer, 16);
    // Only a message_id and nothing after it (no TLVs): otherwise the general path.
    if (end + 1 >= length) {
      return new IdResponse(length, id, buffer.readUInt32BE(8), buffer.readUInt32BE(12), id === SUBMIT_SM_RESP ? 'submit_sm_resp' : 'deliver_sm_resp', buffer.toString('ascii', 16, end)) as unknown as PDU;
    }
  }
  return decodeGeneric(buffer, length);
}

/** Where a C string starting at `offset` ends: its NUL, or the end of the buffer (as node-smpp reads it). */
function cstringEnd(buffer: Buffer, offset: number): number {
  const end = buffer.indexOf(0, offset);
  return end === -1 ? buffer.length : end;
}

// Constructors whose instances have PDU.prototype and one hidden class each (fields assigned in node-smpp's order).
interface IdResponseFields {
  command_length: number;
  command_id: number;
  command_status: number;
  sequence_number: number;
  command: string;
  message_id: string;
}
const IdResponse = function (this: IdResponseFields, length: number, id: number, status: number, seq: number, command: string, messageId: string) {
  this.command_length = length;
  this.command_id = id;
  this.command_status = status;
  this.sequence_number = seq;
  this.command = command;
  this.message_id = messageId;
} as unknown as new (length: number, id: number, status: number, seq: number, command: string, messageId: string) => IdResponseFields;
IdResponse.prototype = defs.PDU.prototype as IdResponseFields;

const smDef = (name: string): Record<string, ParamDef> => (smpp as unknown as { commands: Record<string, CommandDef> }).commands[name]!.params!;
const SM_PARAMS = 'service_type source_addr_ton source_addr_npi source_addr dest_addr_ton dest_addr_npi destination_addr esm_class protocol_id priority_flag schedule_delivery_time validity_period registered_delivery replace_if_present_flag data_coding sm_default_msg_id short_message';
/** The field-by-field reader below holds only while node-smpp's definitions are the ones it was written for. */
const TIME_FILTER = smDef('submit_sm').schedule_delivery_time!.filter;
const SM_FAST =
  TIME_FILTER !== undefined &&
  ['submit_sm', 'deliver_sm'].every((name) => {
    const p = smDef(name);
    return Object.keys(p).join(' ') === SM_PARAMS && !p.short_message!.filter && p.schedule_delivery_time!.filter === TIME_FILTER && p.validity_period!.filter === TIME_FILTER;
  });

const SmPdu = function (this: Fields, length: number, id: number, status: number, seq: number, command: string) {
  this.command_length = length;
  this.command_id = id;
  this.command_status = status;
  this.sequence_number = seq;
  this.command = command;
  this.service_type = '';
  this.source_addr_ton = 0;
  this.source_addr_npi = 0;
  this.source_addr = '';
  this.dest_addr_ton = 0;
  this.dest_addr_npi = 0;
  this.destination_addr = '';
  this.esm_class = 0;
  this.protocol_id = 0;
  this.priority_flag = 0;
  this.schedule_delivery_time = '';
  this.validity_period = '';
  this.registered_delivery = 0;
  this.replace_if_present_flag = 0;
  this.data_coding = 0;
  this.sm_default_msg_id = 0;
  this.short_message = null;
} as unknown as new (length: number, id: number, status: number, seq: number, command: string) => Fields;
SmPdu.prototype = defs.PDU.prototype as Fields;

/** submit_sm / deliver_sm with every mandatory field present; null for anything shorter (the general path decides). */
function decodeSm(b: Buffer, length: number, command: string): PDU | null {
  // 17 fields: 6 C strings of at least 1 byte, 10 one-byte fields, and the short message's length byte.
  if (length < 16 + 17) return null;
  const pdu = new SmPdu(length, b.readUInt32BE(4), b.readUInt32BE(8), b.readUInt32BE(12), command);
  let o = 16;
  // Every C string must end inside the PDU and every field must start inside it (node-smpp stops reading at the
  // first field past the end): anything less goes the general way.
  let end = cstringEnd(b, o);
  if (end >= length) return null;
  pdu.service_type = b.toString('ascii', o, end);
  o = end + 1;
  pdu.source_addr_ton = b[o++];
  pdu.source_addr_npi = b[o++];
  end = cstringEnd(b, o);
  if (end >= length) return null;
  pdu.source_addr = b.toString('ascii', o, end);
  o = end + 1;
  pdu.dest_addr_ton = b[o++];
  pdu.dest_addr_npi = b[o++];
  end = cstringEnd(b, o);
  if (end >= length) return null;
  pdu.destination_addr = b.toString('ascii', o, end);
  o = end + 1;
  pdu.esm_class = b[o++];
  pdu.protocol_id = b[o++];
  pdu.priority_flag = b[o++];
  end = cstringEnd(b, o);
  if (end >= length) return null;
  const schedule = b.toString('ascii', o, end);
  o = end + 1;
  end = cstringEnd(b, o);
  if (end >= length) return null;
  const validity = b.toString('ascii', o, end);
  o = end + 1;
  if (o + 4 >= length) return null;
  pdu.registered_delivery = b[o++];
  pdu.replace_if_present_flag = b[o++];
  pdu.data_coding = b[o++];
  pdu.sm_default_msg_id = b[o++];
  const smLength = b[o++]!;
  if (o + smLength > length) return null;
  pdu.short_message = b.subarray(o, o + smLength);
  o += smLength;
  // The time filter turns a non-empty SMPP time into a Date; empty stays ''.
  pdu.schedule_delivery_time = schedule === '' ? '' : TIME_FILTER!.decode.call(pdu as unknown as PDU, schedule);
  pdu.validity_period = validity === '' ? '' : TIME_FILTER!.decode.call(pdu as unknown as PDU, validity);
  if (o + 4 <= length) {
    const filtered = readTlvs(pdu, b, o, length, undefined);
    if (filtered) filterTlvs(pdu, filtered);
  }
  return pdu as unknown as PDU;
}

/** Any PDU, through node-smpp's definitions (flattened once per command). */
function decodeGeneric(buffer: Buffer, length: number): PDU {
  const pdu = Object.create(defs.PDU.prototype) as Fields;
  pdu.command_length = length;
  pdu.command_id = buffer.readUInt32BE(4);
  pdu.command_status = buffer.readUInt32BE(8);
  pdu.sequence_number = buffer.readUInt32BE(12);
  const plan = planFor(pdu.command_id as number);
  if (!plan) {
    pdu.command = 'unknown';
    return pdu as unknown as PDU;
  }
  pdu.command = plan.command;
  let offset = 16;
  const filtered: { key: string; filter: Filter }[] = [];
  for (const p of plan.params) {
    if (offset >= length) break;
    const value = p.type.read(buffer, offset);
    pdu[p.key] = value;
    offset += p.type.size(value);
    if (p.filter) filtered.push({ key: p.key, filter: p.filter });
  }
  const filteredTlvs = offset + 4 <= length ? readTlvs(pdu, buffer, offset, length, plan.tlvMap) : undefined;
  // node-smpp's _filter('decode'), limited to what has a filter.
  for (const f of filtered) pdu[f.key] = f.filter.decode.call(pdu as unknown as PDU, pdu[f.key]);
  if (filteredTlvs) filterTlvs(pdu, filteredTlvs);
  return pdu as unknown as PDU;
}

/** The optional parameters from `offset` on, as node-smpp stores them; returns the TLVs met that have a filter. */
function readTlvs(pdu: Fields, buffer: Buffer, offset: number, length: number, tlvMap: Record<string, string> | undefined): TlvDef[] | undefined {
  let filtered: TlvDef[] | undefined;
  while (offset + 4 <= length) {
    const tlvId = buffer.readUInt16BE(offset);
    const tlvLength = buffer.readUInt16BE(offset + 2);
    offset += 4;
    const tlv = defs.tlvsById[tlvId];
    if (!tlv) {
      pdu[tlvId] = buffer.subarray(offset, offset + tlvLength);
      offset += tlvLength;
      continue;
    }
    const tag = tlvMap?.[tlv.tag] ?? tlv.tag;
    const value = tlv.type.read(buffer, offset, tlvLength);
    if (tlv.multiple) {
      if (!pdu[tag]) pdu[tag] = [];
      (pdu[tag] as unknown[]).push(value);
    } else {
      pdu[tag] = value;
    }
    if (tlv.filter) (filtered ??= []).push(tlv);
    offset += tlvLength;
  }
  return filtered;
}

function filterTlvs(pdu: Fields, tlvs: TlvDef[]): void {
  const done = new Set<string>();
  for (const tlv of tlvs) {
    const key = tlv.tag;
    // As node-smpp: a TLV renamed by the command's tlvMap is stored under its new name, which has no filter.
    if (done.has(key) || !(key in pdu)) continue;
    done.add(key);
    const filter = tlv.filter!;
    if (tlv.multiple) {
      const values = pdu[key] as unknown[];
      for (let i = 0; i < values.length; i++) values[i] = filter.decode.call(pdu as unknown as PDU, values[i], true);
    } else if (key === 'message_payload') {
      const sm = pdu.short_message as { message?: { length: number } } | undefined;
      pdu[key] = filter.decode.call(pdu as unknown as PDU, pdu[key], sm && sm.message && sm.message.length);
    } else {
      pdu[key] = filter.decode.call(pdu as unknown as PDU, pdu[key], true);
    }
  }
}

interface SessionInternals {
  socket: Session['socket'];
  paused: boolean;
  _busy: boolean;
  _callbacks: Record<number, ((pdu: PDU) => void) | undefined>;
  _extractPDUs(): void;
  emit(event: string, ...args: unknown[]): boolean;
}

/**
 * Makes `session` read its socket with decodePdu: everything buffered is taken in one read and cut into PDUs here.
 * Events are node-smpp's own, in its order: 'pdu', then the command's name, then a response's callback.
 */
export function readWithFastDecoder(session: Session): void {
  const s = session as unknown as SessionInternals;
  let pending: Buffer | null = null;
  const readMore = (): boolean => {
    const chunk = s.socket.read() as Buffer | null;
    if (chunk === null) return false;
    pending = pending && pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
    return true;
  };
  const extract = (): void => {
    if (s._busy) return;
    s._busy = true;
    try {
      while (!s.paused) {
        if (!pending || pending.length < 4) {
          if (!readMore()) break;
          continue;
        }
        const length = pending.readUInt32BE(0);
        // Checked as soon as the length is known, as node-smpp does: nothing after it can be framed.
        if (length > defs.PDU.maxLength || length < 16) {
          s.emit('error', new Error(`PDU length ${length} is out of range (16 to ${defs.PDU.maxLength}).`));
          return;
        }
        if (pending.length < length) {
          if (!readMore()) break;
          continue;
        }
        const bytes = pending.subarray(0, length);
        pending = pending.length === length ? null : pending.subarray(length);
        let pdu: PDU;
        try {
          pdu = decodePdu(bytes);
        } catch (e) {
          s.emit('error', e);
          return;
        }
        s.emit('pdu', pdu);
        s.emit(pdu.command, pdu);
        const seq = pdu.sequence_number;
        const callback = pdu.isResponse() ? s._callbacks[seq] : undefined;
        if (callback) {
          callback(pdu);
          delete s._callbacks[seq];
        }
      }
    } finally {
      s._busy = false;
    }
  };
  s.socket.removeAllListeners('readable');
  s.socket.on('readable', extract);
  s._extractPDUs = extract;
}
