// A number's inbound side: for each durable inbound message, the opt-out keywords (STOP/START/HELP and their
// synonyms), then the signed webhook to SmsUrl (SmsFallbackUrl on failure), then the TwiML reply: its <Message>s
// become outbound-reply messages in the sending number's own FIFO queue (so pacing and order hold for replies),
// its <Redirect>s are followed up to MAX_REDIRECTS hops. Problems the owner must see become Notifications.
// The message's pending-webhook marker is removed only when all of this is over, so a crash anywhere before
// that repeats the webhook after restart (at least once, never lost).
import { fetchTwiml, sendWebhook, type WebhookTarget } from '../../protocols/webhook/index.js';
import { parseMessagingTwiml, type MessageVerb, type MessagingRedirectVerb, type MessagingVerb } from '../../protocols/twiml/index.js';
import type { OutboundRequest } from '../../src/messaging/send.js';
import { normalizePhoneNumber } from '../../src/api/params.js';
import type { AccountRecord, MessageRecord, NumberRecord } from '../../src/store/records.js';
import type { NewNotification } from '../../src/notifications/notifications.js';
import type { InboundStore } from '../../src/messaging/inbound/mo-store.js';
import { webhookOrigin, type WebhookSlots } from '../../src/messaging/inbound/webhook-slots.js';
import { Fifo } from '../../src/util/fifo.js';
import type { OptOuts } from '../../src/messaging/inbound/opt-outs.js';
import { classifyKeyword, KEYWORD_REPLIES, type KeywordKind } from '../../src/messaging/inbound/keywords.js';
import { inboundWebhookParams } from '../../src/messaging/inbound/webhook-params.js';
import type { NumberGeo } from '../../src/numbers/geo.js';
import type { EntityContext } from '../registry.js';
import type { NumberDeps, NumberMsg } from './messages.js';

/** <Redirect> hops followed for one inbound message; a longer chain is a loop (notification 11215). */
export const MAX_REDIRECTS = 10;
/** Messages one number has in hand at once (within its webhook origin's slots); more wait in arrival order. */
const MAX_CONCURRENT = 64;
const REPLY_VALIDITY_S = 36_000;
const MAX_BODY_CHARS = 1600;

export interface InboundDeps {
  pending: InboundStore;
  optOuts: OptOuts;
  account(sid: string): AccountRecord | undefined;
  /** MessageSender.send with direction outbound-reply; rejects with an ApiError carrying Twilio's code. */
  sendReply(account: AccountRecord, req: OutboundRequest, opts?: { skipOptOutCheck?: boolean }): Promise<MessageRecord>;
  notify(n: NewNotification): void;
  webhookTimeoutMs: number;
  /** Shared by every number: how many messages each webhook origin has in hand at once. */
  slots: WebhookSlots;
  /** Where the handset and the number are: the webhook's FromCity…ToCountry. */
  geo: NumberGeo;
}

interface ReplyRequest {
  to: string;
  from: string;
  body: string;
  statusCallback?: string | null;
  statusCallbackMethod?: 'GET' | 'POST';
}

interface Job {
  m: MessageRecord;
  number: NumberRecord;
  account: AccountRecord;
  keyword: KeywordKind | null;
  params: Record<string, string>;
  replies: Promise<unknown>[];
}

export class Inbound {
  /** Messages being handled, each with the webhook origin whose slot it holds. */
  private readonly active = new Map<string, string>();
  /** Messages waiting for a slot, oldest first, and the same SIDs as a set for lookups. */
  private readonly queue = new Fifo<string>();
  private readonly queued = new Set<string>();
  /** Slots asked of `WebhookSlots` and not granted yet (each will start the oldest queued message). */
  private asked = 0;
  private originOf: { url: string | null; origin: string } = { url: null, origin: '' };

  constructor(
    private readonly e164: string,
    private readonly deps: NumberDeps,
    private readonly ctx: EntityContext<NumberMsg>,
  ) {}

  get idle(): boolean {
    return this.active.size === 0 && this.queued.size === 0;
  }

  receive(sid: string): void {
    if (this.active.has(sid) || this.queued.has(sid)) return;
    this.queued.add(sid);
    this.queue.push(sid);
    this.pump();
  }

  /** Ask for as many slots as this number may still use and has messages for. */
  private pump(): void {
    while (this.active.size + this.asked < MAX_CONCURRENT && this.queued.size > this.asked) {
      const origin = this.webhookOrigin();
      this.asked++;
      this.d.slots.acquire(origin, () => this.granted(origin));
    }
  }

  private granted(origin: string): void {
    this.asked--;
    const sid = this.queue.shift();
    if (sid === undefined) {
      this.d.slots.release(origin);
      return;
    }
    this.queued.delete(sid);
    this.start(sid, origin);
  }

  private finished(sid: string): void {
    const origin = this.active.get(sid)!;
    this.active.delete(sid);
    this.d.slots.release(origin);
    this.pump();
  }

  private start(sid: string, origin: string): void {
    this.active.set(sid, origin);
    this.process(sid)
      .catch((err: unknown) => this.ctx.log.error({ err, sid }, 'inbound message handling failed; retried at next start'))
      // Its own continuation: runs directly, not through the mailbox (see Outbound.reenter for why that is safe).
      .finally(() => this.finished(sid));
  }

  /** The origin of this number's SmsUrl as configured now (the slot a new message's handling is counted under). */
  private webhookOrigin(): string {
    const url = this.deps.numberConfig(this.e164)?.smsUrl ?? null;
    if (url !== this.originOf.url) this.originOf = { url, origin: webhookOrigin(url) };
    return this.originOf.origin;
  }

  private get d(): InboundDeps {
    return this.deps.inbound;
  }

  private async process(sid: string): Promise<void> {
    const marker = this.d.pending.pending(sid);
    const m = this.deps.store.get(sid);
    if (!marker || !m) {
      if (marker) await this.d.pending.done(sid);
      return;
    }
    const number = this.deps.numberConfig(this.e164);
    const account = number ? this.d.account(number.accountSid) : undefined;
    if (!number || !account || number.accountSid !== m.accountSid) {
      // Released (or moved to another account) since the message arrived: its old owner has no URL for it now.
      this.ctx.log.warn({ sid, to: this.e164 }, 'inbound message for a number released since; no webhook');
      await this.d.pending.done(sid);
      return;
    }
    const keyword = classifyKeyword(m.body);
    const job: Job = { m, number, account, keyword, params: inboundWebhookParams(m, number, keyword, this.d.geo), replies: [] };
    if (keyword !== null && !marker.keywordDone) {
      await this.applyKeyword(job, keyword);
      await this.d.pending.keywordDone(sid, m.to);
    }
    if (number.smsUrl) await this.webhook(job, number.smsUrl);
    await Promise.allSettled(job.replies);
    await this.d.pending.done(sid);
  }

  /** Opt-out, opt-in or help, with Twilio's standard auto-reply (always sent, even with no SmsUrl). */
  private async applyKeyword(job: Job, keyword: KeywordKind): Promise<void> {
    const { m } = job;
    if (keyword === 'STOP') await this.d.optOuts.optOut(m.to, m.from);
    else if (keyword === 'START') await this.d.optOuts.optIn(m.to, m.from);
    else if (this.d.optOuts.isOptedOut(m.to, m.from)) return; // no help text to a handset that opted out
    this.reply(job, { to: m.from, from: m.to, body: KEYWORD_REPLIES[keyword] }, true);
    await Promise.allSettled(job.replies);
  }

  private async webhook(job: Job, smsUrl: string): Promise<void> {
    const { number, account } = job;
    const primary: WebhookTarget = { url: smsUrl, method: number.smsMethod };
    const fallback: WebhookTarget | undefined = number.smsFallbackUrl ? { url: number.smsFallbackUrl, method: number.smsFallbackMethod } : undefined;
    const res = await fetchTwiml(primary, fallback, job.params, account.authToken, this.d.webhookTimeoutMs, {
      parse: (body, url) => {
        const r = parseMessagingTwiml(body, { documentUrl: url });
        return r.ok ? { ok: true, value: r.verbs } : r;
      },
    });
    // The primary's failure is the owner's to see even when the fallback saved the day.
    if (res.primaryError) this.notifyFetch(job, primary, res.primaryError);
    if (!res.ok) {
      if (res.fallbackError && fallback) this.notifyFetch(job, fallback, res.fallbackError);
      return;
    }
    await this.execute(job, res.value, 0);
  }

  /** Runs one parsed TwiML document in order; a <Redirect> ends it and continues elsewhere. */
  private async execute(job: Job, verbs: MessagingVerb[], hops: number): Promise<void> {
    // Everything this document would send is checked first: one bad <Message> sends none of them.
    const redirectAt = verbs.findIndex((v) => v.verb === 'Redirect');
    const messages = (redirectAt < 0 ? verbs : verbs.slice(0, redirectAt)) as MessageVerb[];
    const replies: ReplyRequest[] = [];
    for (const v of messages) {
      const r = this.replyFor(job, v);
      if ('code' in r) {
        this.notify(job, r.code, r.text);
        return;
      }
      replies.push(r);
    }
    if (job.keyword === 'STOP' && replies.length > 0) {
      // The handset just opted out: the app's reply could not reach it anyway.
      this.ctx.log.info({ sid: job.m.sid, dropped: replies.length }, 'TwiML reply to an opt-out message dropped');
    } else {
      for (const r of replies) this.reply(job, r, false);
      // Sent as text; the owner learns the pictures did not go. (A <Message> with media and no body is 21619 above.)
      const withMedia = messages.filter((v) => v.media.length > 0).length;
      if (withMedia > 0) {
        const which = withMedia === 1 ? 'A <Message>' : `${withMedia} <Message>s`;
        this.notify(job, 12200, `${which} with <Media>: tandem sends SMS only, so the text went without its media`, undefined, 1);
      }
    }
    const redirect = verbs[redirectAt];
    if (redirect?.verb === 'Redirect') await this.redirect(job, redirect, hops + 1);
  }

  private replyFor(job: Job, v: MessageVerb): ReplyRequest | { code: number; text: string } {
    const { m } = job;
    // Short codes are kept as written; anything else must be a phone number (channel addresses are not SMS).
    const to = v.to === undefined ? m.from : /^\d{3,8}$/.test(v.to) ? v.to : normalizePhoneNumber(v.to);
    const from = v.from === undefined ? m.to : normalizePhoneNumber(v.from);
    if (to === null) return { code: 14101, text: `<Message to="${v.to}"> is not a phone number tandem can send an SMS to; nothing was sent` };
    if (from === null) return { code: 14102, text: `<Message from="${v.from}"> is not a phone number; nothing was sent` };
    if (v.body === '') return { code: 21619, text: '<Message> has media only; tandem sends SMS only, so nothing was sent' };
    if ([...v.body].length > MAX_BODY_CHARS) {
      return { code: 21617, text: `A <Message> body exceeds the ${MAX_BODY_CHARS} character limit; nothing was sent` };
    }
    return { to, from, body: v.body, statusCallback: v.action ?? v.statusCallback ?? null, statusCallbackMethod: v.method };
  }

  private reply(job: Job, r: ReplyRequest, auto: boolean): void {
    const req: OutboundRequest = {
      to: r.to,
      from: r.from,
      body: r.body,
      statusCallback: r.statusCallback ?? null,
      statusCallbackMethod: r.statusCallbackMethod ?? 'POST',
      validityS: REPLY_VALIDITY_S,
      sendAt: null,
      messagingServiceSid: job.number.messagingServiceSid ?? null,
    };
    // Issued synchronously in verb order: the sender's mailbox, and so its FIFO, sees them in that order.
    const sent = this.d.sendReply(job.account, req, { skipOptOutCheck: auto }).catch((err: { code?: number; message?: string }) => {
      const code = typeof err.code === 'number' ? err.code : 30008;
      this.notify(job, code, `Reply from ${r.from} to ${r.to} not sent: ${err.message ?? String(err)}`);
    });
    job.replies.push(sent);
  }

  private async redirect(job: Job, v: MessagingRedirectVerb, hops: number): Promise<void> {
    if (hops > MAX_REDIRECTS) {
      this.notify(job, 11215, `More than ${MAX_REDIRECTS} <Redirect> hops for one inbound message; stopped at ${v.url}`, { url: v.url, method: v.method });
      return;
    }
    const res = await sendWebhook({
      url: v.url,
      method: v.method,
      params: job.params,
      authToken: job.account.authToken,
      timeoutMs: this.d.webhookTimeoutMs,
    });
    if (!res.ok) {
      this.notifyFetch(job, v, { code: res.code, message: res.message, ...(res.status !== undefined && { status: res.status }) });
      return;
    }
    const parsed = parseMessagingTwiml(res.body, { documentUrl: v.url });
    if (!parsed.ok) {
      this.notifyFetch(job, v, { code: parsed.code, message: parsed.message });
      return;
    }
    await this.execute(job, parsed.verbs, hops);
  }

  private notifyFetch(job: Job, target: WebhookTarget, e: { code: number; message: string; status?: number }): void {
    this.d.notify({
      accountSid: job.m.accountSid,
      errorCode: e.code,
      messageSid: job.m.sid,
      text: e.status !== undefined ? `${e.message} (HTTP ${e.status})` : e.message,
      requestUrl: target.url,
      requestMethod: target.method,
      requestVariables: job.params,
    });
  }

  private notify(job: Job, code: number, text: string, target?: WebhookTarget, log: 0 | 1 = 0): void {
    this.d.notify({
      accountSid: job.m.accountSid,
      errorCode: code,
      messageSid: job.m.sid,
      text,
      log,
      ...(target && { requestUrl: target.url, requestMethod: target.method }),
    });
  }
}
