// Outbound message creation: validate what the API was given into a typed message (Twilio's error codes for
// everything wrong), then hand it to the sender number's actor, which queues it and writes it durably.
import { countSegments } from '../../protocols/smpp/encoding.js';
import { smartEncode } from '../../protocols/smpp/smart-encoding.js';
import { alphaReaches, isAlphaSender } from './alpha-sender.js';
import { isShortCode } from '../numbers/short-code.js';
import type { EntityRegistry } from '../../actors/registry.js';
import type { NumberMsg } from '../../actors/number/messages.js';
import type { NumberState } from '../../actors/number/number-actor.js';
import type { EnqueueResult } from '../../actors/number/outbound.js';
import { ApiError, badRequest } from '../api/errors.js';
import { bool, list, method, normalizePhoneNumber, str, url, type RawParams } from '../api/params.js';
import type { Tables } from '../store/db.js';
import type { AccountRecord, MessageDirection, MessageRecord } from '../store/records.js';
import type { MessageStore } from './message-store.js';
import { isSid } from '../util/sid.js';
import { newMessageRecord } from './message-record.js';
import type { NumberDirectory } from '../numbers/directory.js';

export const MAX_BODY_CHARS = 1600;
export const DEFAULT_VALIDITY_S = 36_000;
const MAX_SCHEDULE_AHEAD_MS = 35 * 24 * 3600 * 1000;

export interface OutboundRequest {
  to: string;
  from: string;
  body: string;
  statusCallback: string | null;
  statusCallbackMethod: 'GET' | 'POST';
  validityS: number;
  sendAt: number | null;
  /** The Messaging Service it is sent through (MG…), if any. */
  messagingServiceSid?: string | null;
  /** Look-alike Unicode becomes GSM-7 before it is stored and sent (protocols/smpp/smart-encoding.ts). */
  smartEncoded?: boolean | null;
}

/** What the sender checks against beyond the number directory. */
export interface SendChecks {
  /** Whether a configured carrier serves the destination (src/carriers/router.ts). */
  reaches(to: string): boolean;
  /** Whether one of the account's Messaging Services has this alphanumeric sender ID (src/messaging/services.ts). */
  ownsAlphaSender(accountSid: string, name: string): boolean;
}

/** POST Messages.json as parsed: From may be absent when a MessagingServiceSid picks the sender (src/api/messages.ts). */
export type ParsedOutbound = Omit<OutboundRequest, 'from'> & {
  from: string | null;
  messagingServiceSid: string | null;
  /** ValidityPeriod was given (else a service's own applies). */
  validityGiven: boolean;
  /** SmartEncoded as given; null leaves it to the service (off without one). */
  smartEncoded: boolean | null;
};

/** Turn the form parameters of POST Messages.json into a typed request, or throw Twilio's error. */
export function parseOutbound(p: RawParams, now: number): ParsedOutbound {
  const toRaw = str(p, 'To');
  if (toRaw === undefined || toRaw === '') throw badRequest(21604, "A 'To' phone number is required.");
  const channel = /^([a-z]+):/i.exec(toRaw.trim())?.[1];
  if (channel) throw badRequest(21211, `The 'To' number ${toRaw} is not a valid phone number: tandem carries SMS only, not ${channel}: addresses.`);
  const to = normalizePhoneNumber(toRaw);
  if (!to) throw badRequest(21211, `The 'To' number ${toRaw} is not a valid phone number.`);
  const fromRaw = str(p, 'From');
  const serviceRaw = str(p, 'MessagingServiceSid');
  const messagingServiceSid = serviceRaw === undefined || serviceRaw === '' ? null : serviceRaw;
  if (messagingServiceSid !== null && !isSid(messagingServiceSid, 'MG')) throw badRequest(21705, `The Messaging Service ${messagingServiceSid} is invalid.`);
  const noFrom = fromRaw === undefined || fromRaw === '';
  if (noFrom && messagingServiceSid === null) throw badRequest(21603, "A 'From' phone number or a MessagingServiceSid is required.");
  // A phone number or short code; else an alphanumeric sender ID as written (its owner is checked when it is sent).
  const from = noFrom ? null : (normalizePhoneNumber(fromRaw) ?? (isShortCode(fromRaw) || isAlphaSender(fromRaw) ? fromRaw : null));
  if (!noFrom && !from) throw badRequest(21212, `The 'From' number ${fromRaw} is not a valid phone number, shortcode, or alphanumeric sender ID.`);
  // SMPP carries text only: media would be dropped on the way, so a MediaUrl is refused rather than lost.
  if (list(p, 'MediaUrl').length > 0) {
    throw badRequest(21621, `The 'From' number ${fromRaw ?? messagingServiceSid} has not been enabled for MMS: tandem carries SMS only (over SMPP), so MediaUrl cannot be sent; put the link in Body instead.`);
  }
  const body = str(p, 'Body') ?? '';
  if (body === '') {
    // A Content API template would fill the body; tandem has none, so the text must come in Body.
    if ((str(p, 'ContentSid') ?? '') !== '') throw badRequest(21602, 'Message body is required: tandem has no Content API templates (ContentSid), so send the text in Body.');
    throw badRequest(21602, 'Message body is required.');
  }
  // Characters, not UTF-16 units; a body no longer than the limit in units is within it in characters too.
  if (body.length > MAX_BODY_CHARS && [...body].length > MAX_BODY_CHARS) throw badRequest(21617, `The concatenated message body exceeds the ${MAX_BODY_CHARS} character limit.`);
  const statusCallback = url(p, 'StatusCallback', 21609) ?? null;
  const statusCallbackMethod = method(p, 'StatusCallbackMethod', 21609) ?? 'POST';
  const vp = str(p, 'ValidityPeriod');
  let validityS = DEFAULT_VALIDITY_S;
  if (vp !== undefined && vp !== '') {
    const n = Number(vp);
    if (!Number.isInteger(n) || n < 1 || n > DEFAULT_VALIDITY_S) throw badRequest(21624, 'Invalid validity period value: an integer from 1 to 36000 seconds.');
    validityS = n;
  }
  const scheduleType = str(p, 'ScheduleType');
  const sendAtRaw = str(p, 'SendAt');
  let sendAt: number | null = null;
  if (scheduleType !== undefined || sendAtRaw !== undefined) {
    if (scheduleType !== 'fixed') throw badRequest(35111, "ScheduleType must be 'fixed' to schedule a message.");
    const t = sendAtRaw ? Date.parse(sendAtRaw) : NaN;
    if (!sendAtRaw || Number.isNaN(t) || !/\d{4}-\d{2}-\d{2}T/.test(sendAtRaw)) throw badRequest(35114, 'SendAt must be an ISO 8601 date-time.');
    if (t <= now || t > now + MAX_SCHEDULE_AHEAD_MS) throw badRequest(35114, 'SendAt must be in the future and at most 35 days ahead.');
    sendAt = t;
  }
  const smartEncoded = bool(p, 'SmartEncoded') ?? null;
  return { to, from, body, statusCallback, statusCallbackMethod, validityS, sendAt, messagingServiceSid, validityGiven: vp !== undefined && vp !== '', smartEncoded };
}

export class MessageSender {
  constructor(
    private readonly t: Tables,
    private readonly store: MessageStore,
    private readonly numbers: EntityRegistry<NumberState, NumberMsg>,
    private readonly directory: NumberDirectory,
    private readonly checks: SendChecks,
  ) {}

  /** Creates the message; resolves once it is durable (queued or scheduled). */
  /**
   * `skipOptOutCheck`: only for the standard keyword auto-replies (the STOP confirmation goes to a handset that
   * has just opted out).
   */
  async send(
    account: AccountRecord,
    req: OutboundRequest,
    direction: MessageDirection = 'outbound-api',
    opts: { skipOptOutCheck?: boolean } = {},
  ): Promise<MessageRecord> {
    // The sender is one of the account's SMS numbers, or an alphanumeric sender ID one of its services has.
    if (isAlphaSender(req.from)) {
      if (!this.checks.ownsAlphaSender(account.sid, req.from)) {
        throw badRequest(21212, `The 'From' ${req.from} is not an alphanumeric sender ID of this account: add it to a Messaging Service's AlphaSenders first.`);
      }
      if (!alphaReaches(req.to)) {
        throw badRequest(21612, `The 'To' phone number ${req.to} is not reachable from an alphanumeric sender ID: North American numbers take texts from phone numbers only.`);
      }
    } else {
      const number = this.directory.byE164(req.from);
      if (!number || number.accountSid !== account.sid || !number.capabilities.sms) {
        throw badRequest(21606, `The From phone number ${req.from} is not a valid, SMS-capable inbound phone number or short code for your account.`);
      }
    }
    if (!opts.skipOptOutCheck && this.store.optedOut(req.from, req.to)) {
      throw badRequest(21610, `Attempt to send to unsubscribed recipient: ${req.to} replied STOP to ${req.from}.`);
    }
    // Queued, it would wait out its validity period for a carrier that is never coming.
    if (!this.checks.reaches(req.to)) {
      throw badRequest(21408, `Permission to send an SMS has not been enabled for the region indicated by the 'To' number: ${req.to}. No carrier in the carriers file serves it.`);
    }
    const now = Date.now();
    // The record holds what the carrier is given, so the API, the segments and the handset agree.
    const body = req.smartEncoded === true ? smartEncode(req.body) : req.body;
    const m = newMessageRecord(
      {
        accountSid: account.sid,
        from: req.from,
        to: req.to,
        body,
        status: req.sendAt !== null ? 'scheduled' : 'queued',
        direction,
        numSegments: countSegments(body),
        statusCallback: req.statusCallback,
        statusCallbackMethod: req.statusCallbackMethod,
        messagingServiceSid: req.messagingServiceSid ?? null,
        validityMs: req.validityS * 1000,
        sendAt: req.sendAt,
      },
      now,
    );
    if (m.status === 'scheduled') {
      await this.store.create(m, { scheduled: true });
      return m;
    }
    // The caller is answered with the message as accepted (queued): the sender may already be submitting it by
    // the time this promise settles, and its record then says `sending`.
    const accepted = { ...m };
    const result = await new Promise<EnqueueResult>((reply) =>
      this.numbers.tell(req.from, { type: 'enqueue', record: m, fromSchedule: false, reply }),
    );
    if (!result.ok) throw new ApiError(result.code === 20500 ? 500 : 400, result.code, result.message);
    return accepted;
  }
}
