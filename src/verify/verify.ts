// Twilio Verify (verify.twilio.com/v2) over tandem's own SMS and calls: a Verify service (VA…) sends one-time codes
// by text, or reads them out in a call, and checks them. A verification (VE…) is pending for ten minutes (TANDEM_VERIFY_TTL_S); a second start for the same number within them
// resends the same code (at most five sends), and five wrong checks end it, as on Twilio. The text goes out like any
// other message (queued, paced, delivered, with its own Message record), from the service's Messaging Service for
// the destination's country (MessagingConfigurations), else from the account's oldest SMS number; a call (an ordinary
// outbound-api Call, its TwiML a <Say>) from the account's oldest voice number.
import { randomInt, timingSafeEqual } from 'node:crypto';
import { ApiError, badRequest, notFound } from '../api/errors.js';
import { DEFAULT_VALIDITY_S, type MessageSender } from '../messaging/send.js';
import { throughService } from '../messaging/through-service.js';
import type { MessagingServices } from '../messaging/services.js';
import type { NumberGeo } from '../numbers/geo.js';
import type { Tables } from '../store/db.js';
import type { AccountRecord, NumberRecord, VerificationRecord, VerifyChannel, VerifyServiceRecord } from '../store/records.js';
import type { NewCall } from '../voice/voice.js';
import { newSid } from '../util/sid.js';
import { escapeXml } from '../util/xml.js';

export const MAX_SENDS = 5;
export const MAX_CHECKS = 5;
/** Finished and expired verifications are kept this long for fetches, then swept. */
const KEEP_MS = 24 * 3600_000;
const SWEEP_EVERY_MS = 3600_000;

export type ServiceSettings = Partial<Pick<VerifyServiceRecord, 'friendlyName' | 'codeLength' | 'customCodeEnabled'>>;

/** Places an outbound-api call (Voice#createCall); resolves to its record once it is queued. */
export type PlaceCall = (accountSid: string, call: NewCall) => Promise<{ sid: string }>;

export interface StartRequest {
  to: string;
  channel: VerifyChannel;
  customFriendlyName?: string;
  customCode?: string;
}

export class Verify {
  private readonly services = new Map<string, VerifyServiceRecord>();
  /** Starts per [service, To] in progress: one at a time, so two racing starts share one verification. */
  private readonly starting = new Map<string, Promise<unknown>>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly t: Tables,
    private readonly sender: MessageSender,
    private readonly messagingServices: MessagingServices,
    private readonly geo: NumberGeo,
    private readonly placeCall: PlaceCall,
    /** How long a code may be checked: Twilio's ten minutes unless TANDEM_VERIFY_TTL_S says otherwise. */
    private readonly ttlMs = 600_000,
  ) {
    for (const { value } of t.verifyServices.getRange({})) this.services.set(value.sid, value);
    this.sweeper = setInterval(() => void this.sweep(Date.now()), SWEEP_EVERY_MS).unref();
  }

  close(): void {
    clearInterval(this.sweeper);
  }

  // --- services ---

  servicesOf(accountSid: string): VerifyServiceRecord[] {
    return [...this.services.values()].filter((s) => s.accountSid === accountSid).sort((a, b) => a.dateCreated - b.dateCreated || (a.sid < b.sid ? -1 : 1));
  }

  service(accountSid: string, sid: string): VerifyServiceRecord | undefined {
    const s = this.services.get(sid);
    return s?.accountSid === accountSid ? s : undefined;
  }

  async createService(accountSid: string, settings: ServiceSettings & { friendlyName: string }): Promise<VerifyServiceRecord> {
    const now = Date.now();
    const s: VerifyServiceRecord = {
      codeLength: 6,
      customCodeEnabled: false,
      ...settings,
      sid: newSid('VA', now),
      accountSid,
      messagingConfigurations: [],
      dateCreated: now,
      dateUpdated: now,
    };
    await this.save(s);
    return s;
  }

  async updateService(s: VerifyServiceRecord, settings: ServiceSettings): Promise<VerifyServiceRecord> {
    const updated = { ...s, ...settings, dateUpdated: Date.now() };
    await this.save(updated);
    return updated;
  }

  async removeService(s: VerifyServiceRecord): Promise<void> {
    this.services.delete(s.sid);
    await this.t.verifyServices.remove(s.sid);
  }

  /** Sets (or replaces) the Messaging Service that sends the codes for `country` (ISO alpha-2, or `all`). */
  async configureMessaging(s: VerifyServiceRecord, country: string, messagingServiceSid: string): Promise<VerifyServiceRecord> {
    const now = Date.now();
    const old = s.messagingConfigurations.find((c) => c.country === country);
    const others = s.messagingConfigurations.filter((c) => c.country !== country);
    const updated = { ...s, messagingConfigurations: [...others, { country, messagingServiceSid, dateCreated: old?.dateCreated ?? now, dateUpdated: now }], dateUpdated: now };
    await this.save(updated);
    return updated;
  }

  async removeMessagingConfiguration(s: VerifyServiceRecord, country: string): Promise<void> {
    await this.save({ ...s, messagingConfigurations: s.messagingConfigurations.filter((c) => c.country !== country), dateUpdated: Date.now() });
  }

  private async save(s: VerifyServiceRecord): Promise<void> {
    this.services.set(s.sid, s);
    await this.t.verifyServices.put(s.sid, s);
  }

  // --- verifications ---

  /** Sends a code to `req.to`: a new verification, or the pending one's code again. */
  start(account: AccountRecord, s: VerifyServiceRecord, req: StartRequest): Promise<VerificationRecord> {
    const key = `${s.sid} ${req.to}`;
    const run = (this.starting.get(key) ?? Promise.resolve()).catch(() => undefined).then(() => this.startNow(account, s, req));
    this.starting.set(key, run);
    void run.finally(() => {
      if (this.starting.get(key) === run) this.starting.delete(key);
    }).catch(() => undefined);
    return run;
  }

  private async startNow(account: AccountRecord, s: VerifyServiceRecord, req: StartRequest): Promise<VerificationRecord> {
    const now = Date.now();
    const pending = this.pending(s.sid, req.to, now);
    if (pending && pending.sendCodeAttempts.length >= MAX_SENDS) throw new ApiError(429, 60203, 'Max send attempts reached');
    if (req.customCode !== undefined) {
      if (!s.customCodeEnabled) throw badRequest(60200, 'Invalid parameter CustomCode: the service does not allow custom codes (CustomCodeEnabled).');
      if (!/^\d{4,10}$/.test(req.customCode)) throw badRequest(60200, 'Invalid parameter CustomCode: 4 to 10 digits.');
    }
    const code = pending?.code ?? req.customCode ?? randomCode(s.codeLength);
    const sent = req.channel === 'call' ? await this.callCode(account, s, req, code) : await this.sendCode(account, s, req, code);
    const attempt = { attemptSid: newSid('VL', now), channel: req.channel, time: now, messageSid: sent };
    const v: VerificationRecord = pending
      ? { ...pending, channel: req.channel, sendCodeAttempts: [...pending.sendCodeAttempts, attempt], dateUpdated: now }
      : {
          sid: newSid('VE', now),
          serviceSid: s.sid,
          accountSid: s.accountSid,
          to: req.to,
          channel: req.channel,
          status: 'pending',
          code,
          checkAttempts: 0,
          sendCodeAttempts: [attempt],
          expiresAt: now + this.ttlMs,
          dateCreated: now,
          dateUpdated: now,
        };
    await Promise.all([this.t.verifications.put(v.sid, v), this.t.pendingVerifications.put([s.sid, req.to], v.sid)]);
    return v;
  }

  /** Sends the code's text; its MessageSid. Twilio's refusals of the send (21610 opted out, 21408, …) pass through. */
  private async sendCode(account: AccountRecord, s: VerifyServiceRecord, req: StartRequest, code: string): Promise<string> {
    const country = this.geo.of(req.to).country;
    const conf = s.messagingConfigurations.find((c) => c.country === country) ?? s.messagingConfigurations.find((c) => c.country === 'all');
    const from = conf ? null : this.firstSmsNumber(account.sid);
    if (!conf && from === undefined) {
      throw badRequest(60200, `The Verify service ${s.sid} has no sender for ${req.to}: give it a MessagingConfiguration, or give the account an SMS-capable number.`);
    }
    const request = throughService(
      {
        to: req.to,
        from: from ?? null,
        body: `Your ${req.customFriendlyName || s.friendlyName} verification code is: ${code}`,
        statusCallback: null,
        statusCallbackMethod: 'POST',
        // A code is worth sending only while it can still be checked.
        validityS: Math.min(DEFAULT_VALIDITY_S, Math.ceil(this.ttlMs / 1000)),
        validityGiven: true,
        sendAt: null,
        messagingServiceSid: conf?.messagingServiceSid ?? null,
        smartEncoded: null,
      },
      account.sid,
      this.messagingServices,
      this.geo,
    );
    return (await this.sender.send(account, request)).sid;
  }

  /** Reads the code out in a call; its CallSid. Digits one by one, twice, as Twilio's voice verifications do. */
  private async callCode(account: AccountRecord, s: VerifyServiceRecord, req: StartRequest, code: string): Promise<string> {
    const from = this.firstNumber(account.sid, (n) => n.capabilities.voice);
    if (from === undefined) throw badRequest(60200, `The Verify service ${s.sid} cannot call ${req.to}: the account has no voice-capable number to call from.`);
    const said = `Your ${escapeXml(req.customFriendlyName || s.friendlyName)} verification code is: ${code.split('').join(', ')}.`;
    const call = await this.placeCall(account.sid, {
      to: req.to,
      from,
      url: null,
      method: 'POST',
      fallbackUrl: null,
      fallbackMethod: 'POST',
      twiml: `<Response><Say>${said}</Say><Pause length="1"/><Say>Again: ${said}</Say></Response>`,
      statusCallback: null,
      statusCallbackMethod: 'POST',
      statusCallbackEvents: ['completed'],
      timeoutS: 60,
      sendDigits: null,
      timeLimitS: 120,
    });
    return call.sid;
  }

  private firstSmsNumber(accountSid: string): string | undefined {
    return this.firstNumber(accountSid, (n) => n.capabilities.sms);
  }

  /** The account's oldest number that `fits`. A short code reaches its own country only: codes go from a number. */
  private firstNumber(accountSid: string, fits: (n: NumberRecord) => boolean): string | undefined {
    for (const { value } of this.t.numbersByAccount.getRange({ start: [accountSid, 0, ''], end: [accountSid, Number.MAX_SAFE_INTEGER, ''] })) {
      const n = this.t.numbers.get(value);
      if (n && n.numberType !== 'shortCode' && fits(n)) return n.phoneNumber;
    }
    return undefined;
  }

  /** The verification as it is now: a pending one past its ten minutes reads as expired. */
  get(s: VerifyServiceRecord, sid: string): VerificationRecord | undefined {
    const v = this.t.verifications.get(sid);
    return v && v.serviceSid === s.sid ? expiredIfDue(v, Date.now()) : undefined;
  }

  /** The verification of `to` that may still be checked. */
  pendingFor(s: VerifyServiceRecord, to: string): VerificationRecord | undefined {
    return this.pending(s.sid, to, Date.now());
  }

  private pending(serviceSid: string, to: string, now: number): VerificationRecord | undefined {
    const sid = this.t.pendingVerifications.get([serviceSid, to]);
    const v = sid ? this.t.verifications.get(sid) : undefined;
    return v && expiredIfDue(v, now).status === 'pending' ? v : undefined;
  }

  /** Checks a code against the pending verification of `to` (or `verificationSid`). */
  async check(s: VerifyServiceRecord, target: { to?: string; verificationSid?: string }, code: string): Promise<VerificationRecord> {
    const now = Date.now();
    const found = target.verificationSid !== undefined ? this.get(s, target.verificationSid) : this.pending(s.sid, target.to!, now);
    if (!found || found.status !== 'pending') throw notFound(`The requested resource /Services/${s.sid}/VerificationCheck was not found`);
    if (found.checkAttempts >= MAX_CHECKS) {
      await this.finish({ ...found, status: 'max_attempts_reached', dateUpdated: now });
      throw new ApiError(429, 60202, 'Max check attempts reached');
    }
    const right = found.code !== null && sameCode(code, found.code);
    const v: VerificationRecord = right
      ? { ...found, status: 'approved', checkAttempts: found.checkAttempts + 1, dateUpdated: now }
      : { ...found, checkAttempts: found.checkAttempts + 1, dateUpdated: now };
    if (right) await this.finish(v);
    else await this.t.verifications.put(v.sid, v);
    return v;
  }

  /** Status=canceled or approved through the API (an app that verified the number another way). */
  async settle(v: VerificationRecord, status: 'canceled' | 'approved'): Promise<VerificationRecord> {
    const done: VerificationRecord = { ...v, status, dateUpdated: Date.now() };
    await this.finish(done);
    return done;
  }

  /** Ends a verification: no code to check any more, and no pending entry for its number. */
  private async finish(v: VerificationRecord): Promise<void> {
    const done = { ...v, code: null };
    const writes: Promise<unknown>[] = [this.t.verifications.put(v.sid, done)];
    if (this.t.pendingVerifications.get([v.serviceSid, v.to]) === v.sid) writes.push(this.t.pendingVerifications.remove([v.serviceSid, v.to]));
    await Promise.all(writes);
  }

  /** Drops verifications a day old (with their pending entries); how many writes that took. */
  async sweep(now: number): Promise<number> {
    const writes: Promise<unknown>[] = [];
    // VE SIDs begin with their creation time (src/util/sid.ts): the old ones are the front of the table.
    const end = 'VE' + (now - KEEP_MS).toString(16).padStart(11, '0');
    for (const { key, value } of this.t.verifications.getRange({ end })) {
      writes.push(this.t.verifications.remove(key));
      if (this.t.pendingVerifications.get([value.serviceSid, value.to]) === value.sid) writes.push(this.t.pendingVerifications.remove([value.serviceSid, value.to]));
    }
    await Promise.all(writes);
    return writes.length;
  }
}

function expiredIfDue(v: VerificationRecord, now: number): VerificationRecord {
  return v.status === 'pending' && now >= v.expiresAt ? { ...v, status: 'expired', code: null } : v;
}

function randomCode(length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += String(randomInt(10));
  return s;
}

function sameCode(given: string, code: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(code);
  return a.length === b.length && timingSafeEqual(a, b);
}
