// One call leg: its record, SIP dialog and RTP media, and the state changes Twilio reports (status, times,
// callbacks). The TwiML interpreter (interpreter.ts) drives it; the call actor (call-actor.ts) feeds it events.
import { buildAnswer, negotiate, parseSdp, type MediaEndpoint } from '../../protocols/rtp/index.js';
import type { CallRecord, CallStatus, HttpMethod } from '../../src/store/records.js';
import type { CallLeg, PendingAnswer, SipNotify } from './call-leg.js';
import { referLeg, type ReferOutcome } from './sip-refer.js';
import type { CallInfo } from './verb-context.js';
import type { VoiceDeps } from './voice-deps.js';

/** Where a redirect (Calls API update) takes the call. */
export type RedirectTarget =
  | { kind: 'url'; url: string; method: HttpMethod; fallbackUrl: string | null; fallbackMethod: HttpMethod }
  | { kind: 'twiml'; twiml: string };

const JOURNAL_MAX = 100;

type EndReason = 'hangup' | 'rejected' | 'busy' | 'error' | 'remote' | 'canceled' | 'timeout';

export class CallSession {
  record: CallRecord;
  readonly media: MediaEndpoint;
  dialog: CallLeg | undefined;
  /** Takes a REFER from the far end while set (see connected()). */
  onRefer: ((req: SipNotify, res: { send(status: number): void }) => void) | undefined;
  /** The URL the running document came from. */
  documentUrl: string | null = null;
  /** What the call ran, in order ("Say: Hello", "Gather: 1#"): the sandbox handset shows it. */
  readonly journal: string[] = [];
  redirect: RedirectTarget | undefined;
  /** Set while an outbound INVITE is ringing: cancels it (hang-up or cancel before answer). */
  cancelInvite: (() => void) | undefined;
  private inbound: PendingAnswer | undefined;
  private answering: Promise<void> | undefined;
  private docAbort = new AbortController();
  private readonly beforeMediaCloses: (() => Promise<void>)[] = [];
  private ending: Promise<void> | undefined;
  private timeLimit: NodeJS.Timeout | undefined;
  readonly ended: Promise<void>;
  private resolveEnded!: () => void;

  constructor(
    private readonly deps: VoiceDeps,
    record: CallRecord,
    media: MediaEndpoint,
  ) {
    this.record = record;
    this.media = media;
    this.ended = new Promise((r) => (this.resolveEnded = r));
    media.on('timeout', () => {
      if (this.dialog) {
        this.deps.log.warn({ callSid: record.sid }, 'no RTP from the far end: hanging up');
        void this.end('timeout');
      }
    });
    // The media worker carrying this leg died: the call cannot go on without media, so it ends now, not hangs.
    media.on('failed', (err) => {
      this.deps.log.error({ err, callSid: record.sid }, 'media worker lost: ending the call');
      void this.end('error');
    });
  }

  /** Adds to the journal, keeping the latest entries (a <Redirect> loop must not grow it without bound). */
  note(entry: string): void {
    this.journal.push(entry.length > 200 ? entry.slice(0, 199) + '…' : entry);
    if (this.journal.length > JOURNAL_MAX) this.journal.shift();
  }

  get sid(): string {
    return this.record.sid;
  }

  get accountSid(): string {
    return this.record.accountSid;
  }

  get isOver(): boolean {
    return this.ending !== undefined;
  }

  get answered(): boolean {
    return this.dialog !== undefined;
  }

  get info(): CallInfo {
    const r = this.record;
    return { sid: r.sid, accountSid: r.accountSid, from: r.from, to: r.to, direction: r.direction, parentCallSid: r.parentCallSid, documentUrl: this.documentUrl };
  }

  /** Aborted when the call ends or the running document is replaced through the API. */
  get signal(): AbortSignal {
    return this.docAbort.signal;
  }

  /** Starts a new document: verbs of the previous one have all returned. */
  beginDocument(url: string | null): void {
    this.documentUrl = url;
    if (this.docAbort.signal.aborted) this.docAbort = new AbortController();
  }

  /** An incoming leg this session will answer (or reject). */
  holdIncoming(pending: PendingAnswer): void {
    this.inbound = pending;
    pending.onCancel(() => void this.end('canceled'));
  }

  /** Stores a change to the record (durably) and reports the matching status callback event. */
  async update(patch: Partial<CallRecord>, event?: 'initiated' | 'ringing' | 'answered'): Promise<void> {
    this.record = { ...this.record, ...patch, dateUpdated: Date.now() };
    await this.deps.store.save(this.record);
    if (event) this.deps.callbacks.event(this.record, event);
  }

  /** Answers an inbound call (once; concurrent callers share the answer). */
  answer(): Promise<void> {
    if (this.dialog || !this.inbound) return Promise.resolve();
    this.answering ??= this.doAnswer();
    return this.answering;
  }

  private async doAnswer(): Promise<void> {
    const pending = this.inbound!;
    const offer = parseSdp(pending.offer);
    const media = negotiate(offer);
    this.media.setMedia(media);
    this.media.setRemote(offer);
    const localSdp = buildAnswer({ address: this.deps.rtpAdvertise, port: this.media.port }, media);
    const dialog = await pending.answer(localSdp, { 'X-Twilio-CallSid': this.sid });
    this.connected(dialog);
    await this.update({ status: 'in-progress', startTime: Date.now() }, 'answered');
  }

  /** The far end answered (outbound) or we answered (inbound): watch the dialog. */
  connected(dialog: CallLeg): void {
    this.dialog = dialog;
    dialog.on('destroy', () => void this.end('remote'));
    // A REFER from the far end is taken only by what asked to (a <Dial referUrl> bridge); otherwise it is declined,
    // never accepted and ignored.
    dialog.on('refer', (req, res) => (this.onRefer ? this.onRefer(req, res) : res.send(603)));
    // A re-INVITE moves or holds the far end's media: follow it, and answer with our unchanged SDP.
    dialog.on('modify', (req, res) => {
      try {
        this.media.setRemote(parseSdp(req.body));
      } catch {
        // unusable SDP: keep sending where we were
      }
      res.send(200, { body: dialog.local?.sdp ?? '', headers: { 'Content-Type': 'application/sdp' } });
    });
    if (this.isOver) {
      void dialog.destroy().catch(() => undefined);
      return;
    }
    const limit = this.record.timeLimitS;
    if (limit > 0) this.timeLimit = setTimeout(() => void this.end('hangup'), limit * 1000);
  }

  /**
   * A SIP REFER of this call's far end to `target` (<Refer>); undefined when the call is not a SIP leg: only a call
   * that came in through a SIP domain, or went out to a SIP address, is one (a phone number is not, as on Twilio).
   */
  refer(target: string): Promise<ReferOutcome | undefined> {
    const r = this.record;
    const sipLeg = r.sipDomain ? true : r.direction !== 'inbound' && /^sips?:/i.test(r.to);
    if (!sipLeg || !this.dialog?.request) return Promise.resolve(undefined);
    return referLeg(this.dialog, target, this.signal);
  }

  /** Refuses an unanswered inbound call with 486 (busy) or 603 (rejected). */
  async reject(reason: 'busy' | 'rejected'): Promise<void> {
    if (this.dialog || !this.inbound) return;
    this.inbound.refuse(reason === 'busy' ? 486 : 603);
    await this.end(reason === 'busy' ? 'busy' : 'rejected');
  }

  /** Replaces the running document (Calls API Url/Twiml): the current verb stops, the interpreter picks this up. */
  requestRedirect(target: RedirectTarget): void {
    this.redirect = target;
    this.docAbort.abort();
  }

  takeRedirect(): RedirectTarget | undefined {
    const r = this.redirect;
    this.redirect = undefined;
    return r;
  }

  /** Ends the call once: BYE (or a final response) to the far end, final status, callbacks, media freed. */
  end(reason: EndReason, status?: CallStatus): Promise<void> {
    this.ending ??= this.doEnd(reason, status);
    return this.ending;
  }

  /** Work that needs this leg's media one last time as the call ends (a whole-call recording), run in order. */
  beforeMediaClose(fn: () => Promise<void>): void {
    this.beforeMediaCloses.push(fn);
  }

  private async doEnd(reason: EndReason, forced?: CallStatus): Promise<void> {
    this.docAbort.abort();
    clearTimeout(this.timeLimit);
    const now = Date.now();
    let status: CallStatus;
    if (forced) status = forced;
    else if (this.dialog || this.record.startTime !== null) status = 'completed';
    else if (reason === 'busy') status = 'busy';
    // Twilio: <Reject reason="busy"> ends the call busy, reason="rejected" ends it no-answer.
    else if (reason === 'rejected') status = 'no-answer';
    else if (reason === 'canceled' || reason === 'remote') status = 'canceled';
    else if (reason === 'timeout') status = 'no-answer';
    else status = 'failed';
    if (this.dialog && reason !== 'remote') {
      try {
        await this.dialog.destroy();
      } catch {
        // the far end may be gone already; the call is over either way
      }
    } else if (!this.dialog && this.cancelInvite) {
      this.cancelInvite();
    } else if (!this.dialog && this.inbound && !this.inbound.settled && reason !== 'canceled') {
      this.inbound.refuse(status === 'busy' ? 486 : reason === 'rejected' ? 603 : 480);
    }
    const start = this.record.startTime;
    await this.update({
      status,
      endTime: now,
      duration: status === 'completed' && start !== null ? Math.max(0, Math.round((now - start) / 1000)) : null,
    }).catch((err: unknown) => this.deps.log.error({ err, callSid: this.sid }, 'final call record could not be stored'));
    this.deps.callbacks.event(this.record, 'completed');
    for (const last of this.beforeMediaCloses.splice(0)) {
      await last().catch((err: unknown) => this.deps.log.error({ err, callSid: this.sid }, 'work before the media closed failed'));
    }
    await this.media.close();
    this.resolveEnded();
    this.deps.ended(this);
  }
}
