// One place that knows what a fresh message record holds, for every way a message comes to exist
// (API send, TwiML reply, inbound text).
import type { MessageRecord } from '../store/records.js';
import { newSid } from '../util/sid.js';

type Required_ = Pick<MessageRecord, 'accountSid' | 'from' | 'to' | 'body' | 'status' | 'direction' | 'numSegments'>;

export function newMessageRecord(fields: Required_ & Partial<MessageRecord>, now = Date.now()): MessageRecord {
  return {
    sid: newSid('SM'),
    numMedia: 0,
    errorCode: null,
    errorMessage: null,
    statusCallback: null,
    statusCallbackMethod: 'POST',
    messagingServiceSid: null,
    validityMs: 0,
    sendAt: null,
    seq: null,
    carrierIds: [],
    segmentsDelivered: 0,
    rawDlrDoneDate: null,
    dateCreated: now,
    dateUpdated: now,
    dateSent: null,
    ...fields,
  };
}

/**
 * A copy of `m` that the caller may change, every field written out. `{ ...m, carrierIds }` was a megamorphic clone
 * (records come from newMessageRecord, from LMDB's decoder and from earlier copies, each with its own hidden class):
 * V8's slow path, ~2 % of the main thread under outbound load. A field added to MessageRecord must be added here;
 * the compiler insists for required fields, and test/unit/message-record.test.ts for the rest.
 */
export function copyMessage(m: MessageRecord): MessageRecord {
  return {
    sid: m.sid,
    accountSid: m.accountSid,
    from: m.from,
    to: m.to,
    body: m.body,
    status: m.status,
    direction: m.direction,
    numSegments: m.numSegments,
    numMedia: m.numMedia,
    errorCode: m.errorCode,
    errorMessage: m.errorMessage,
    statusCallback: m.statusCallback,
    statusCallbackMethod: m.statusCallbackMethod,
    // Records stored before the field existed have none.
    messagingServiceSid: m.messagingServiceSid ?? null,
    validityMs: m.validityMs,
    sendAt: m.sendAt,
    seq: m.seq,
    carrierIds: m.carrierIds.slice(),
    segmentsDelivered: m.segmentsDelivered,
    rawDlrDoneDate: m.rawDlrDoneDate,
    dateCreated: m.dateCreated,
    dateUpdated: m.dateUpdated,
    dateSent: m.dateSent,
  };
}
