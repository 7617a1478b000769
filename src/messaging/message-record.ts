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
