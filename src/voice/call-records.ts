// One factory for new call records, so inbound legs, API calls and <Dial> legs start from the same defaults.
import type { CallRecord } from '../store/records.js';
import { newSid } from '../util/sid.js';

/** Twilio's default TimeLimit: four hours. */
export const DEFAULT_TIME_LIMIT_S = 4 * 3600;

type Required = Pick<CallRecord, 'accountSid' | 'from' | 'to' | 'status' | 'direction'>;

export function newCallRecord(fields: Required & Partial<CallRecord>): CallRecord {
  const now = Date.now();
  return {
    sid: newSid('CA'),
    parentCallSid: null,
    phoneNumberSid: null,
    url: null,
    method: 'POST',
    fallbackUrl: null,
    fallbackMethod: 'POST',
    twiml: null,
    statusCallback: null,
    statusCallbackMethod: 'POST',
    statusCallbackEvents: ['completed'],
    timeoutS: 60,
    sendDigits: null,
    timeLimitS: DEFAULT_TIME_LIMIT_S,
    sipCallId: null,
    queueTimeMs: null,
    startTime: null,
    endTime: null,
    duration: null,
    dateCreated: now,
    dateUpdated: now,
    ...fields,
  };
}
