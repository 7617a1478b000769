// Voice for the switch: SIP in (INVITE → call-session actor), calls out (Calls API, paced per account), live-call
// updates, and the <Dial> legs. Built once by src/switch.ts; the Calls API and the sandbox handset use it.
import { randomBytes } from 'node:crypto';
import type Srf from 'drachtio-srf';
import nact from 'nact';
import { PortPool, RING_TONES, SdpError, openOnThisThread, buildOffer, negotiate, parseSdp, type MediaEndpoint, type OpenMedia, type TextToSpeech } from '../../protocols/rtp/index.js';
import { localCall, sipPendingAnswer, type PendingAnswer } from '../../actors/call/call-leg.js';
import type { DialClient, DialTarget, DialVerb, StreamNoun, VoiceVerb, CallRecordingSpec } from '../../protocols/twiml/index.js';
import { CallDirectory } from '../../actors/call/call-actor.js';
import { CallSession, type RedirectTarget } from '../../actors/call/call-session.js';
import { runCall, runWhisper } from '../../actors/call/interpreter.js';
import { recordWholeCall } from './call-recording.js';
import type { CallInfo, DialResult, RecordingId, RecordingMeta, RecordingSaved, VerbContext, VerbOutcome } from '../../actors/call/verb-context.js';
import type { VoiceDeps, VoiceLogger } from '../../actors/call/voice-deps.js';
import type { NewNotification } from '../notifications/notifications.js';
import type { Tables } from '../store/db.js';
import type { CallEvent, CallRecord, HttpMethod, NumberRecord } from '../store/records.js';
import type { NumberGeo } from '../numbers/geo.js';
import type { SipTrunkConfig } from '../carriers/config.js';
import type { StatusCallbackSender } from '../../protocols/webhook/index.js';
import { CallCallbacks } from './call-callbacks.js';
import { newCallRecord } from './call-records.js';
import { CallPacer, CallQueueFullError } from './call-pacer.js';
import { CallStore, isFinal } from './call-store.js';
import { ring, statusForSipFailure, type RingResult, type SipTarget } from './dialer.js';
import { SipAccess } from './sip-access.js';
import { MediaStreams, type StreamView } from './media-streams.js';
import { LiveRecordings, type LiveRecording, type LiveRecordingLookup } from './live-recordings.js';
import { clientHeaders, sipUriHeaders } from './sip-headers.js';
import { dialTargets, type StartedLeg } from './dial-legs.js';
import { CallQueues } from './call-queues.js';
import { QueueStore } from './queue-store.js';
import { dialQueue } from './dial-queue.js';
import { Conferences } from './conferences.js';
import { ConferenceStore } from './conference-store.js';
import { announcement, type Announcement } from './announcements.js';
import type { DomainCalls, DomainInvite } from '../sip-domains/domain-calls.js';
import type { RegisteredTargets } from '../sip-domains/registered-targets.js';

export interface VoiceOptions {
  srf: Srf;
  tables: Tables;
  authToken(accountSid: string): string | undefined;
  /** The number as its calls see it (its VoiceApplicationSid's URLs in place of its own); the record itself by default. */
  numberView?: (n: NumberRecord) => NumberRecord;
  callbackSender: StatusCallbackSender;
  notify(n: NewNotification): void;
  pool: PortPool;
  /** Where call legs' endpoints run: media workers (MediaPlane#open) or, by default, this thread. */
  openMedia?: OpenMedia;
  rtpHost: string;
  rtpAdvertise: string;
  /** TANDEM_SIP_TRUNK as host:port; unset = the sandbox handset answers outbound calls. */
  sipTrunk: string | undefined;
  sipTrunks: SipTrunkConfig[];
  /** The sandbox is the carrier: loopback sources may call in. */
  sandbox: boolean;
  callsPerSecond: number;
  webhookTimeoutMs: number;
  geo: NumberGeo;
  mediaTimeoutMs?: number;
  tts: TextToSpeech;
  fetchAudio(url: string): Promise<Int16Array>;
  newRecording(accountSid: string): RecordingId;
  saveRecording(call: CallInfo, pcm: Int16Array, meta: RecordingMeta): Promise<RecordingSaved>;
  /** A conference room's recording (its whole mix). */
  saveConferenceRecording(r: { accountSid: string; conferenceSid: string; pcm: Int16Array; startTime: number; sid: string }): Promise<RecordingSaved>;
  runVerb(verb: VoiceVerb, ctx: VerbContext): Promise<VerbOutcome>;
  /** SIP domains (src/sip-domains/): INVITEs from their endpoints, and <Dial><Sip> to their registered users. */
  sipDomains?: { calls: DomainCalls; targets: RegisteredTargets };
  log: VoiceLogger;
}

/** What an API request says about a call to place: the same fields its record keeps. */
export type NewCall = Pick<
  CallRecord,
  | 'to'
  | 'from'
  | 'url'
  | 'method'
  | 'fallbackUrl'
  | 'fallbackMethod'
  | 'twiml'
  | 'statusCallback'
  | 'statusCallbackMethod'
  | 'statusCallbackEvents'
  | 'timeoutS'
  | 'sendDigits'
  | 'timeLimitS'
  | 'recording'
  | 'machineDetection'
  | 'asyncAmd'
>;

export interface CallUpdate {
  redirect?: RedirectTarget;
  status?: 'completed' | 'canceled';
  statusCallback?: string | null;
  statusCallbackMethod?: HttpMethod;
}

export class CallStateError extends Error {}
/** A stream the call cannot have now (its name is taken, or the call has its share of streams). */
export class StreamRefusedError extends Error {}

/** Longest a stop waits for live calls to be hung up. */
const CLOSE_WAIT_MS = 3000;
/** Journals of ended calls kept for the sandbox handset's view. */
const JOURNALS_KEPT = 500;
/** Marks INVITEs tandem sends to itself (a <Dial> to another tandem number) so they pass the source check. */
export const INTERNAL_HEADER = 'X-Tandem-Internal';

export class Voice {
  readonly store: CallStore;
  private readonly directory: CallDirectory;
  private readonly pacer: CallPacer;
  private readonly access: SipAccess;
  private readonly deps: VoiceDeps;
  private readonly journals = new Map<string, string[]>();
  private readonly internalToken = randomBytes(16).toString('hex');
  private sandboxPhone: ((to: string) => string) | undefined;

  constructor(private readonly o: VoiceOptions, system: nact.Ref<never>) {
    this.store = new CallStore(o.tables);
    this.directory = new CallDirectory(system);
    this.pacer = new CallPacer(o.callsPerSecond);
    // TANDEM_SIP_TRUNK's host may send calls too, even when it is not listed in a carriers file.
    const trunkHost = o.sipTrunk?.replace(/:\d+$/, '');
    this.access = new SipAccess(trunkHost ? [...o.sipTrunks, { name: 'TANDEM_SIP_TRUNK', host: trunkHost, port: 0, addresses: [trunkHost] }] : o.sipTrunks, o.sandbox);
    this.deps = {
      srf: o.srf,
      store: this.store,
      callbacks: new CallCallbacks(o.callbackSender, o.authToken, o.geo),
      authToken: o.authToken,
      pool: o.pool,
      rtpHost: o.rtpHost,
      rtpAdvertise: o.rtpAdvertise,
      tts: o.tts,
      fetchAudio: o.fetchAudio,
      newRecording: o.newRecording,
      saveRecording: o.saveRecording,
      notify: o.notify,
      webhookTimeoutMs: o.webhookTimeoutMs,
      geo: o.geo,
      mediaTimeoutMs: o.mediaTimeoutMs ?? 30_000,
      runVerb: o.runVerb,
      streams: new MediaStreams({
        authToken: o.authToken,
        notify: o.notify,
        postCallback: (accountSid, req) => this.deps.callbacks.post(accountSid, req),
        log: o.log,
      }),
      liveRecordings: new LiveRecordings({
        reserve: o.newRecording,
        save: o.saveRecording,
        postCallback: (accountSid, req) => this.deps.callbacks.post(accountSid, req),
        notify: (accountSid, callSid, errorCode, text) => o.notify({ accountSid, callSid, errorCode, text }),
        log: o.log,
      }),
      queues: new CallQueues(new QueueStore(o.tables)),
      conferences: new Conferences({
        store: new ConferenceStore(o.tables),
        postCallback: (accountSid, req) => this.deps.callbacks.post(accountSid, req),
        newRecording: o.newRecording,
        saveRecording: o.saveConferenceRecording,
        log: o.log,
      }),
      dial: (parent, verb, recordingStarted) => this.dial(parent, verb, recordingStarted),
      ended: (s) => this.remember(s),
      log: o.log,
    };
    o.srf.invite((req, res) => void this.onInvite(req, res));
  }

  /** The sandbox handset: where outbound calls go when no TANDEM_SIP_TRUNK is set. */
  useSandboxPhone(uriFor: (to: string) => string): void {
    this.sandboxPhone = uriFor;
  }

  /**
   * After a stop or crash: calls still queued are queued again (in their order; they were promised with a 201),
   * calls that were ringing or talking cannot resume (their dialogs died with the process) and are closed.
   */
  async recover(): Promise<{ requeued: number; closed: number }> {
    const now = Date.now();
    const queued: CallRecord[] = [];
    let closed = 0;
    for (const sid of this.store.liveSids()) {
      const c = this.store.get(sid);
      if (!c) continue;
      if (c.status === 'queued' && c.direction === 'outbound-api') {
        queued.push(c);
        continue;
      }
      const answered = c.startTime !== null;
      await this.store.save({
        ...c,
        status: answered ? 'completed' : 'failed',
        endTime: now,
        duration: answered ? Math.max(0, Math.round((now - c.startTime!) / 1000)) : null,
        dateUpdated: now,
      });
      closed++;
    }
    // Conference rooms that were live died with their calls.
    await this.deps.conferences.store.closeStale();
    queued.sort((x, y) => x.dateCreated - y.dateCreated);
    for (const c of queued) this.pacer.enqueue(c.accountSid, c.sid, () => void this.startQueued(c.sid));
    return { requeued: queued.length, closed };
  }

  get liveCalls(): number {
    return this.directory.size;
  }

  get liveStreams(): number {
    return this.deps.streams.liveCount;
  }

  /** Conference rooms live on this node, and their records. */
  get conferences(): Conferences {
    return this.deps.conferences;
  }

  /** The audio of an AnnounceUrl's TwiML (its Say and Play), fetched signed with `params`. */
  announce(accountSid: string, target: { url: string; method: HttpMethod }, params: Record<string, string>): Promise<Announcement> {
    return announcement(this.o, accountSid, target, params);
  }

  /** Records a notification on an account (what went wrong where the account's owner must see it). */
  notify(n: NewNotification): void {
    this.o.notify(n);
  }

  /** Call queues: their records and who waits in them on this node. */
  get queues(): CallQueues {
    return this.deps.queues;
  }

  /** What the call ran (live or recently ended), for the sandbox handset. */
  journal(callSid: string): string[] | undefined {
    return this.directory.get(callSid)?.journal ?? this.journals.get(callSid);
  }

  /** Headers that let tandem's own SIP UAs (the sandbox handset) past the trunk source check. */
  internalHeaders(): Record<string, string> {
    return { [INTERNAL_HEADER]: this.internalToken };
  }

  async close(): Promise<void> {
    this.pacer.close();
    // Every live call gets its BYE; a far end that never answers it must not hold up the stop.
    const ended = Promise.all([...this.directory.sessions()].map((s) => s.end('hangup')));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([ended, new Promise((r) => (timer = setTimeout(r, CLOSE_WAIT_MS)))]);
    clearTimeout(timer);
  }

  // ---- inbound ----

  private async onInvite(req: Srf.SrfRequest, res: Srf.SrfResponse): Promise<void> {
    try {
      const internal = req.get(INTERNAL_HEADER) === this.internalToken;
      const viaDomain = internal ? undefined : this.o.sipDomains?.calls.screen(req, res);
      if (viaDomain?.kind === 'answered') return;
      if (viaDomain?.kind === 'accepted') return await this.admit(req, res, () => this.domainRecord(req, viaDomain));
      if (!internal && !this.access.permits(req.source_address)) {
        this.o.log.warn({ source: req.source_address }, 'INVITE from an address that is not a configured SIP trunk: 403');
        return res.send(403);
      }
      const to = e164FromSip(req.calledNumber);
      const sid = to ? this.o.tables.numberByE164.get(to) : undefined;
      const num = sid ? this.o.tables.numbers.get(sid) : undefined;
      if (!num || !to) return res.send(404);
      const from = e164FromSip(req.callingNumber) ?? (req.callingNumber || 'anonymous');
      await this.admit(req, res, () => this.inboundRecord(num, from, req.get('Call-ID') ?? null));
    } catch (err) {
      this.o.log.error({ err }, 'inbound INVITE failed');
      if (!res.finalResponseSent) res.send(500);
    }
  }

  /** An INVITE let in: its SDP checked (488), then the call stored and run, ringing (180) until its TwiML answers. */
  private async admit(req: Srf.SrfRequest, res: Srf.SrfResponse, record: () => CallRecord): Promise<void> {
    try {
      parseSdp(req.body);
    } catch (err) {
      if (err instanceof SdpError) return res.send(488);
      throw err;
    }
    const session = await this.startIncoming(record(), sipPendingAnswer(this.o.srf, req, res));
    if (!session) return res.send(503);
    res.send(180, { headers: { 'X-Twilio-CallSid': session.sid } });
  }

  /** An endpoint of a SIP domain calls: the domain's VoiceUrl runs, as a number's does for a call to it. */
  private domainRecord(req: Srf.SrfRequest, d: Extract<DomainInvite, { kind: 'accepted' }>): CallRecord {
    const { domain } = d;
    return newCallRecord({
      accountSid: domain.accountSid,
      from: d.from,
      to: d.to,
      phoneNumberSid: null,
      status: 'ringing',
      direction: 'inbound',
      url: domain.voiceUrl,
      method: domain.voiceMethod,
      fallbackUrl: domain.voiceFallbackUrl,
      fallbackMethod: domain.voiceFallbackMethod,
      twiml: domain.voiceUrl ? null : '<Response/>',
      statusCallback: domain.voiceStatusCallbackUrl,
      statusCallbackMethod: domain.voiceStatusCallbackMethod,
      sipCallId: req.get('Call-ID') ?? null,
      sipDomain: d.origin,
    });
  }

  /** A new incoming call to a tandem number (over SIP, or a <Dial> from another tandem call): stored, then run. */
  private async startIncoming(record: CallRecord, pending: PendingAnswer): Promise<CallSession | undefined> {
    let media: MediaEndpoint;
    try {
      media = await this.openMedia();
    } catch (err) {
      this.o.log.error({ err }, 'no RTP port for an inbound call');
      return undefined;
    }
    await this.store.create(record);
    const session = new CallSession(this.deps, record, media);
    session.holdIncoming(pending);
    this.directory.add(session, () => runCall(session, this.deps));
    return session;
  }

  private inboundRecord(stored: NumberRecord, from: string, sipCallId: string | null): CallRecord {
    const num = this.o.numberView?.(stored) ?? stored;
    return newCallRecord({
      accountSid: num.accountSid,
      from,
      to: num.phoneNumber,
      phoneNumberSid: num.sid,
      status: 'ringing',
      direction: 'inbound',
      url: num.voiceUrl,
      method: num.voiceMethod,
      fallbackUrl: num.voiceFallbackUrl,
      fallbackMethod: num.voiceFallbackMethod,
      // A number with no VoiceUrl answers with an empty document: answered, then hung up.
      twiml: num.voiceUrl ? null : '<Response/>',
      statusCallback: num.statusCallback,
      statusCallbackMethod: num.statusCallbackMethod,
      sipCallId,
    });
  }

  /** `near`: a <Dial> leg opens next to its parent's endpoint, so their bridge stays inside one media worker. */
  private openMedia(near?: MediaEndpoint): Promise<MediaEndpoint> {
    const open = this.o.openMedia ?? openOnThisThread;
    return open({ pool: this.deps.pool, host: this.o.rtpHost, mediaTimeoutMs: this.deps.mediaTimeoutMs, ...(near && { near }) });
  }

  // ---- outbound (Calls API) ----

  /** Stores the call as queued (durable before this resolves) and queues it behind the account's earlier calls. */
  async createCall(accountSid: string, c: NewCall): Promise<CallRecord> {
    const record = newCallRecord({
      accountSid,
      from: c.from,
      to: c.to,
      phoneNumberSid: this.o.tables.numberByE164.get(c.from) ?? null,
      status: 'queued',
      direction: 'outbound-api',
      url: c.url,
      method: c.method,
      fallbackUrl: c.fallbackUrl,
      fallbackMethod: c.fallbackMethod,
      twiml: c.url ? null : c.twiml,
      statusCallback: c.statusCallback,
      statusCallbackMethod: c.statusCallbackMethod,
      statusCallbackEvents: c.statusCallbackEvents,
      timeoutS: c.timeoutS,
      sendDigits: c.sendDigits,
      timeLimitS: c.timeLimitS,
      ...(c.recording && { recording: c.recording }),
      ...(c.machineDetection && { machineDetection: c.machineDetection }),
      ...(c.asyncAmd && { asyncAmd: c.asyncAmd }),
    });
    if (this.pacer.queued(accountSid) >= this.pacer.maxQueued) throw new CallQueueFullError(`more than ${this.pacer.maxQueued} calls queued`);
    await this.store.create(record);
    this.pacer.enqueue(accountSid, record.sid, () => void this.startQueued(record.sid));
    return record;
  }

  private async startQueued(sid: string): Promise<void> {
    const c = this.store.get(sid);
    if (!c || c.status !== 'queued') return;
    let media: MediaEndpoint;
    try {
      media = await this.openMedia();
    } catch (err) {
      this.o.log.error({ err, callSid: sid }, 'no RTP port for an outbound call');
      await this.store.save({ ...c, status: 'failed', endTime: Date.now(), dateUpdated: Date.now() });
      return;
    }
    const session = new CallSession(this.deps, { ...c, queueTimeMs: Date.now() - c.dateCreated }, media);
    this.directory.add(session, async () => {
      // A call to another tandem number stays inside tandem, as Twilio's would.
      const owned = this.ownedNumber(session.record.to);
      let targets: SipTarget[] = [];
      if (!owned) {
        try {
          targets = this.targetsFor(session.record.to, session);
        } catch (err) {
          this.o.log.error({ err, callSid: sid }, 'outbound call has nowhere to go');
          return session.end('hangup', 'failed');
        }
        if (targets.length === 0) return session.end('hangup', 'failed');
      }
      const r = owned ? await this.ringLocal(session, owned) : await ring(session, this.deps, targets);
      if (!r.answered) return session.end('hangup', r.status);
      recordWholeCall(session, this.deps);
      if (session.record.sendDigits) {
        await session.media.sendDigits(session.record.sendDigits).catch((err: unknown) => this.o.log.warn({ err, callSid: sid }, 'SendDigits failed'));
      }
      await runCall(session, this.deps);
    });
  }

  /**
   * Where a call to `to` goes: the trunk, or the sandbox handset; a SIP URI is dialed as written, or for a user of
   * one of tandem's SIP domains, at every device registered as that user (rung at once; none when no device is:
   * notified); so is `client:identity`, a user of any of the account's domains.
   */
  private targetsFor(to: string, session: CallSession): SipTarget[] {
    if (/^sips?:/i.test(to)) {
      const devices = this.o.sipDomains?.targets.resolve(session.record.accountSid, session.sid, to);
      return devices === undefined ? [{ uri: to }] : devices.map((uri) => ({ uri }));
    }
    if (to.startsWith('client:')) {
      const devices = this.o.sipDomains?.targets.resolveClient(session.record.accountSid, session.sid, to.slice('client:'.length)) ?? [];
      return devices.map((uri) => ({ uri }));
    }
    const target = this.targetFor(to);
    return target ? [target] : [];
  }

  /** Where a call to a number goes: the trunk, or the sandbox handset (a SIP address as written). */
  private targetFor(to: string): SipTarget | undefined {
    if (/^sips?:/i.test(to)) return { uri: to };
    const user = to.replace(/[^\d+*#]/g, '');
    if (this.o.sipTrunk) {
      const trunk = this.o.sipTrunks.find((t) => `${t.host}:${t.port}` === this.o.sipTrunk) ?? this.o.sipTrunks[0];
      const auth = trunk?.username !== undefined ? { username: trunk.username, password: trunk.password ?? '' } : undefined;
      return { uri: `sip:${user}@${this.o.sipTrunk}`, ...(auth && { auth }) };
    }
    if (this.sandboxPhone) return { uri: this.sandboxPhone(user) };
    throw new CallStateError('no SIP trunk and no sandbox handset');
  }

  /** Calls API update: redirect, hang up, cancel, or new status callback settings. */
  async update(c: CallRecord, u: CallUpdate): Promise<CallRecord> {
    if (isFinal(c.status)) throw new CallStateError(`Call ${c.sid} is ${c.status}`);
    let record = c;
    if (u.statusCallback !== undefined || u.statusCallbackMethod !== undefined) {
      const patch = {
        ...(u.statusCallback !== undefined && { statusCallback: u.statusCallback }),
        ...(u.statusCallbackMethod !== undefined && { statusCallbackMethod: u.statusCallbackMethod }),
      };
      const s = this.directory.get(c.sid);
      if (s) await s.update(patch);
      else await this.store.save({ ...record, ...patch, dateUpdated: Date.now() });
      record = this.store.get(c.sid) ?? record;
    }
    const session = this.directory.get(c.sid);
    if (u.status === 'canceled' || (u.status === 'completed' && record.status !== 'in-progress')) {
      if (record.status === 'in-progress') return record; // Twilio: canceling an answered call has no effect
      if (this.pacer.remove(record.accountSid, record.sid) || !session) {
        const now = Date.now();
        const canceled: CallRecord = { ...record, status: 'canceled', endTime: now, dateUpdated: now };
        await this.store.save(canceled);
        this.deps.callbacks.event(canceled, 'completed');
        return canceled;
      }
      this.directory.tell(c.sid, { type: 'cancel' });
      await session.ended;
      return this.store.get(c.sid) ?? record;
    }
    if (u.status === 'completed') {
      if (!session) throw new CallStateError(`Call ${c.sid} is not live on this node`);
      this.directory.tell(c.sid, { type: 'hangup' });
      await session.ended;
      return this.store.get(c.sid) ?? record;
    }
    if (u.redirect) {
      if (record.status === 'in-progress' && session) {
        this.directory.tell(c.sid, { type: 'redirect', target: u.redirect });
      } else {
        // Not answered yet: the new document is what runs once it is.
        const t = u.redirect;
        const patch = t.kind === 'twiml'
          ? { url: null, twiml: t.twiml }
          : { url: t.url, method: t.method, fallbackUrl: t.fallbackUrl, fallbackMethod: t.fallbackMethod, twiml: null };
        if (session) await session.update(patch);
        else await this.store.save({ ...record, ...patch, dateUpdated: Date.now() });
      }
      return this.store.get(c.sid) ?? record;
    }
    return record;
  }

  // ---- Streams API ----

  /** Starts a one-way Media Stream on a live, answered call of this node (as <Start><Stream> would). */
  startStream(callSid: string, spec: StreamNoun): StreamView {
    const session = this.directory.get(callSid);
    if (!session || !session.answered || session.isOver) throw new CallStateError(`Call ${callSid} is not in progress on this node`);
    const refusal = this.deps.streams.refusal(callSid, spec, false);
    if (refusal !== undefined) throw new StreamRefusedError(refusal);
    return this.deps.streams.begin(session, spec, false).view();
  }

  /** Stops a live call's stream, named by its SID or name; undefined when it has none such. */
  stopStream(callSid: string, nameOrSid: string): StreamView | undefined {
    const stream = this.deps.streams.find(callSid, nameOrSid);
    if (!stream) return undefined;
    stream.stop();
    return stream.view();
  }

  // ---- Call Recordings API ----

  /** Starts recording a live, answered call of this node (as <Start><Recording> would); undefined at its share. */
  startRecording(callSid: string, spec: CallRecordingSpec): LiveRecording | undefined {
    const session = this.directory.get(callSid);
    if (!session || !session.answered || session.isOver) throw new CallStateError(`Call ${callSid} is not in progress on this node`);
    return this.deps.liveRecordings.start(session, spec, 'StartCallRecordingAPI');
  }

  /** What the Recordings API shows of recordings not stored yet. */
  recordingLookup(): LiveRecordingLookup {
    const live = this.deps.liveRecordings;
    const rooms = this.deps.conferences;
    return {
      ofCall: (callSid) => live.of(callSid).map((r) => r.view()),
      ofConference: (conferenceSid) => {
        const v = rooms.roomBySid(conferenceSid)?.liveRecordingView();
        return v ? [v] : [];
      },
      ofAccount: (accountSid) => [
        ...live.ofAccount(accountSid).map((r) => r.view()),
        ...rooms.liveRooms(accountSid).flatMap((r) => r.liveRecordingView() ?? []),
      ],
      find: (sid) => live.findAny(sid)?.view() ?? rooms.recordingRoom(sid)?.liveRecordingView(),
    };
  }

  /** The call's recordings that are in progress or paused, oldest first. */
  liveRecordings(callSid: string): LiveRecording[] {
    return this.deps.liveRecordings.of(callSid);
  }

  liveRecording(callSid: string, sid: string): LiveRecording | undefined {
    return this.deps.liveRecordings.find(callSid, sid);
  }

  // ---- <Dial> ----

  private dial(parent: CallSession, verb: DialVerb, recordingStarted?: () => void): Promise<DialResult> {
    if (verb.ringTone !== undefined && !RING_TONES.has(verb.ringTone)) {
      this.o.notify({ accountSid: parent.record.accountSid, callSid: parent.sid, errorCode: 13220, text: `Dial: ringTone "${verb.ringTone}" is not one of Twilio's; ringing as us`, log: 1 });
    }
    if (verb.queue) return dialQueue(parent, verb, this.deps.queues, this.o.notify, recordingStarted);
    const registered = this.o.sipDomains?.targets;
    if (registered && verb.targets.some((t) => t.noun !== 'Number')) {
      const { accountSid } = parent.record;
      const targets = verb.targets.flatMap((t): DialTarget[] => {
        if (t.noun === 'Sip') return registered.expand(accountSid, parent.sid, t);
        if (t.noun === 'Client') return registered.resolveClient(accountSid, parent.sid, t.identity).map((device): ClientDevice => ({ ...t, device }));
        return [t];
      });
      verb = { ...verb, targets };
    }
    return dialTargets(parent, verb, (p, v, t) => this.startLeg(p, v, t), (child, url, method) => runWhisper(child, this.deps, url, method), recordingStarted);
  }

  /** One child leg of a <Dial>: stored as outbound-dial, its actor started, ringing the target. */
  private async startLeg(parent: CallSession, verb: DialVerb, target: DialTarget): Promise<StartedLeg | undefined> {
    const to = dialNumber(target);
    const owned = target.noun === 'Number' && to ? this.ownedNumber(to) : undefined;
    let sipTarget: SipTarget | undefined;
    if (target.noun === 'Sip') {
      const { uri, headers, refused } = sipUriHeaders(target.uri);
      for (const name of refused) {
        this.o.notify({ accountSid: parent.record.accountSid, callSid: parent.sid, errorCode: 13252, text: `Dial: header "${name}" on ${uri} is not sent: use an X- header, or one of User-to-User, Remote-Party-ID, P-Preferred-Identity, P-Called-Party-ID`, log: 1 });
      }
      sipTarget = { uri, headers, ...(target.username !== undefined && { auth: { username: target.username, password: target.password ?? '' } }) };
    } else if (target.noun === 'Client') {
      sipTarget = isClientDevice(target) ? { uri: target.device, headers: clientHeaders(target.parameters) } : undefined;
    } else if (to && !owned) {
      try {
        sipTarget = this.targetFor(to);
      } catch {
        sipTarget = undefined;
      }
    }
    if (!to || (!owned && !sipTarget)) {
      this.o.notify({ accountSid: parent.record.accountSid, callSid: parent.sid, errorCode: 13224, text: `Dial: cannot call ${target.noun === 'Client' ? 'client:' + target.identity : JSON.stringify(target)}` });
      return undefined;
    }
    const record = newCallRecord({
      accountSid: parent.record.accountSid,
      parentCallSid: parent.sid,
      // Twilio's default caller ID for <Dial> is the calling party's number.
      from: verb.callerId ?? parent.record.from,
      to,
      status: 'queued',
      direction: 'outbound-dial',
      statusCallback: target.statusCallback ?? null,
      statusCallbackMethod: target.statusCallbackMethod,
      statusCallbackEvents: target.statusCallbackEvent.length ? target.statusCallbackEvent : ['completed'],
      timeoutS: verb.timeout,
      sendDigits: target.noun === 'Number' ? (target.sendDigits ?? null) : null,
      timeLimitS: verb.timeLimit,
      queueTimeMs: 0,
    });
    let media: MediaEndpoint;
    try {
      media = await this.openMedia(parent.media);
    } catch (err) {
      this.o.log.error({ err, callSid: parent.sid }, 'no RTP port for a <Dial> leg');
      return undefined;
    }
    await this.store.create(record);
    const child = new CallSession(this.deps, record, media);
    let settle!: (r: RingResult) => void;
    const rung = new Promise<RingResult>((r) => (settle = r));
    this.directory.add(child, async () => {
      let r: RingResult = { answered: false, status: 'failed' };
      try {
        r = owned ? await this.ringLocal(child, owned) : await ring(child, this.deps, sipTarget!);
      } catch (err) {
        this.o.log.error({ err, callSid: record.sid }, 'dial leg failed');
      }
      if (!r.answered) await child.end('hangup', r.status);
      settle(r);
    });
    return { child, rung, target };
  }

  private ownedNumber(e164: string): NumberRecord | undefined {
    const sid = this.o.tables.numberByE164.get(e164);
    return sid ? this.o.tables.numbers.get(sid) : undefined;
  }

  /** Rings another tandem number in-process: its call session answers (or refuses) like a SIP peer would. */
  private async ringLocal(child: CallSession, num: NumberRecord): Promise<RingResult> {
    const offer = buildOffer({ address: this.o.rtpAdvertise, port: child.media.port });
    const call = localCall(offer);
    await child.update({}, 'initiated');
    const callee = await this.startIncoming(this.inboundRecord(num, child.record.from, null), call.pending);
    if (!callee) return { answered: false, status: 'failed', sipStatus: 503 };
    await child.update({ status: 'ringing' }, 'ringing');
    child.cancelInvite = () => call.cancel();
    const timer = setTimeout(() => call.cancel(), child.record.timeoutS * 1000);
    const outcome = await call.outcome;
    clearTimeout(timer);
    child.cancelInvite = undefined;
    if (!outcome.answered) {
      if (child.isOver) return { answered: false, status: 'canceled', sipStatus: outcome.status };
      return { answered: false, status: outcome.status === 487 ? 'no-answer' : statusForSipFailure(outcome.status), sipStatus: outcome.status };
    }
    const answer = parseSdp(outcome.sdp);
    child.media.setMedia(negotiate(answer));
    child.media.setRemote(answer);
    child.connected(outcome.leg);
    await child.update({ status: 'in-progress', startTime: Date.now() }, 'answered');
    return { answered: true };
  }

  private remember(s: CallSession): void {
    this.journals.set(s.sid, s.journal);
    if (this.journals.size > JOURNALS_KEPT) {
      const oldest = this.journals.keys().next().value;
      if (oldest !== undefined) this.journals.delete(oldest);
    }
  }
}

/** The E.164 number in a SIP user part ("+15551234567", "15551234567", "tel:+1…"); undefined if it is not one. */
export function e164FromSip(user: string | undefined): string | undefined {
  if (!user) return undefined;
  const u = decodeURIComponent(user).replace(/^tel:/, '').replace(/[\s\-().]/g, '');
  if (!/^\+?\d{7,15}$/.test(u)) return undefined;
  return u.startsWith('+') ? u : '+' + u;
}

/** A <Client> resolved to one registered SIP device (one leg of the <Dial> per device). */
type ClientDevice = DialClient & { readonly device: string };

function isClientDevice(t: DialClient): t is ClientDevice {
  return typeof (t as Partial<ClientDevice>).device === 'string';
}

function dialNumber(t: DialTarget): string | undefined {
  if (t.noun === 'Sip') return sipUriHeaders(t.uri).uri;
  if (t.noun === 'Client') return `client:${t.identity}`;
  if (t.noun === 'Number') {
    const digits = t.number.replace(/[\s\-().]/g, '');
    if (/^\+\d{7,15}$/.test(digits)) return digits;
    if (/^\d{10}$/.test(digits)) return '+1' + digits;
    if (/^1\d{10}$/.test(digits)) return '+' + digits;
    return undefined;
  }
  return undefined;
}
