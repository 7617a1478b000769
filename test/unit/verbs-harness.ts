// A call's VerbContext built from real parts for the verb tests: two RtpEndpoints on loopback (`media` is the
// call's leg, `caller` is the handset: it presses keys, talks and listens), the real TextToSpeech, a real HTTP
// webhook app answered through protocols/webhook + parseVoiceTwiml, AudioFetcher, and Recordings on a temp LMDB.
// Only the call session's own jobs (answering, rejecting, placing a <Dial>) are recorded instead of done.
import type { ReferOutcome } from '../../actors/call/sip-refer.js';
import type { TestContext } from 'node:test';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from 'lmdb';
import { RtpEndpoint, PortPool, TextToSpeech, type NegotiatedMedia } from '../../protocols/rtp/index.js';
import { parseVoiceTwiml, type DialVerb, type VoiceVerb } from '../../protocols/twiml/index.js';
import { sendWebhook, StatusCallbackSender } from '../../protocols/webhook/index.js';
import type { DialResult, VerbContext, VerbOutcome } from '../../actors/call/verb-context.js';
import { runDocument, type StatusCallbackPost } from '../../actors/call/verbs/index.js';
import { AudioFetcher } from '../../src/voice/audio-fetch.js';
import { Recordings } from '../../src/voice/recordings.js';
import { MediaStreams } from '../../src/voice/media-streams.js';
import { LiveRecordings } from '../../src/voice/live-recordings.js';
import { CallQueues } from '../../src/voice/call-queues.js';
import { QueueStore } from '../../src/voice/queue-store.js';
import { Conferences } from '../../src/voice/conferences.js';
import { ConferenceStore } from '../../src/voice/conference-store.js';
import { closeTables, openTables } from '../../src/store/db.js';
import { startWebhookApp, type WebhookApp } from '../helpers/webhook-app.js';

export const ACCOUNT_SID = 'AC' + 'a'.repeat(32);
export const CALL_SID = 'CA' + 'b'.repeat(32);
export const AUTH_TOKEN = 'verbs-test-token';

const ulaw: NegotiatedMedia = { codec: { pt: 0, name: 'PCMU', rate: 8000 }, telephoneEventPt: 101 };

export interface Heard {
  frames: Int16Array[];
  /** performance.now() of each frame's arrival. */
  at: number[];
}

export interface Harness {
  ctx: VerbContext;
  media: RtpEndpoint;
  caller: RtpEndpoint;
  app: WebhookApp;
  recordings: Recordings;
  audio: AudioFetcher;
  dataDir: string;
  /** answer / reject:<reason> / dial, in order. */
  events: string[];
  notes: { code: number; detail: string }[];
  dialed: DialVerb[];
  /** The call queues the call's <Enqueue> joins (real, on a temp LMDB): a test plays the agent through them. */
  queues: CallQueues;
  /** The conference rooms the call's <Dial><Conference> joins (real, on the same temp LMDB, mixing on this thread). */
  conferences: Conferences;
  /** What ctx.dial returns. */
  dialResult: DialResult;
  /** What ctx.refer answers (undefined: not a SIP leg); the targets it was asked for. */
  referResult: ReferOutcome | undefined;
  referred: string[];
  /** Ends the call: what must still use the media before it closes (live recordings) runs first. */
  hangUp(): Promise<void>;
  /** Everything the caller hears from now on. */
  listen(): Heard;
  /** Runs documents the way a call session does, following 'document' outcomes, until the call ends or a document runs out. */
  runCall(verbs: VoiceVerb[]): Promise<{ outcome: VerbOutcome | { next: 'end-of-document' }; documents: string[] }>;
  /** Parses TwiML as if fetched from `documentUrl`. */
  twiml(xml: string, documentUrl?: string): VoiceVerb[];
}

function freshPool(): PortPool {
  const base = 20000 + 2 * Math.floor(Math.random() * 10000);
  return new PortPool(`${base}-${base + 99}`);
}

export async function harness(t: TestContext): Promise<Harness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tandem-verbs-'));
  const pool = freshPool();
  const media = await RtpEndpoint.open({ pool, media: ulaw });
  const caller = await RtpEndpoint.open({ pool, media: ulaw });
  media.setRemote({ address: '127.0.0.1', port: caller.port });
  caller.setRemote({ address: '127.0.0.1', port: media.port });
  const app = await startWebhookApp(() => AUTH_TOKEN);
  const root = open({ path: join(dataDir, 'verbs.lmdb'), maxDbs: 8, compression: false });
  const recordings = new Recordings({ root, dataDir, publicUrl: 'http://127.0.0.1:1' });
  const audio = new AudioFetcher({ timeoutMs: 3_000 });
  const tts = new TextToSpeech({ cacheDir: join(dataDir, 'tts'), logger: { warn: () => undefined } });
  const callbacks = new StatusCallbackSender({ timeoutMs: 3_000 });
  const abort = new AbortController();
  const events: string[] = [];
  const notes: { code: number; detail: string }[] = [];
  const dialed: DialVerb[] = [];
  const ended = new Promise<void>((resolve) => abort.signal.addEventListener('abort', () => resolve(), { once: true }));
  const call = { sid: CALL_SID, accountSid: ACCOUNT_SID, from: '+15005550001', to: '+15005550002', direction: 'inbound' as const, parentCallSid: null, documentUrl: `${app.url}/voice` as string | null };
  const standard = () => ({
    CallSid: call.sid, AccountSid: call.accountSid, From: call.from, To: call.to, Caller: call.from, Called: call.to,
    CallStatus: abort.signal.aborted ? 'completed' : 'in-progress', Direction: call.direction, ApiVersion: '2010-04-01',
  });
  const mediaStreams = new MediaStreams({
    authToken: () => AUTH_TOKEN,
    notify: (n) => notes.push({ code: n.errorCode, detail: n.text }),
    postCallback: (_accountSid, req) => void callbacks.post({ ...req, authToken: AUTH_TOKEN }),
    log: { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined },
    connectTimeoutMs: 2_000,
  });
  const streams = mediaStreams.forCall({ info: call, media, ended });
  const beforeMediaClose: (() => Promise<void>)[] = [];
  const liveRecordings = new LiveRecordings({
    reserve: (accountSid) => recordings.reserve(accountSid),
    save: (info, pcm, meta) => recordings.saveCallRecording(info, pcm, meta),
    postCallback: (_accountSid, req) => void callbacks.post({ ...req, authToken: AUTH_TOKEN }),
    notify: (_accountSid, _callSid, code, detail) => notes.push({ code, detail }),
    log: { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined },
  });
  const callRecordings = liveRecordings.forCall({ info: call, media, ended, beforeMediaClose: (fn) => beforeMediaClose.push(fn) });
  const tables = openTables(join(dataDir, 'queues'));
  const queues = new CallQueues(new QueueStore(tables));
  const conferences = new Conferences({
    store: new ConferenceStore(tables),
    postCallback: (_accountSid, req) => void callbacks.post({ ...req, authToken: AUTH_TOKEN }),
    ...recordings.conferenceRecorder(),
    log: { error: () => undefined },
  });
  const conferenceAccess = conferences.forCall({ sid: call.sid, accountSid: call.accountSid, media });
  const queueAccess = queues.forCall({ sid: call.sid, accountSid: call.accountSid, media, signal: abort.signal, get isOver() { return abort.signal.aborted; } });
  const h: Harness = {
    media,
    caller,
    app,
    recordings,
    audio,
    dataDir,
    events,
    notes,
    dialed,
    queues,
    conferences,
    dialResult: { status: 'completed', childCallSid: 'CA' + 'c'.repeat(32), durationSeconds: 7 },
    referResult: undefined,
    referred: [],
    ctx: {
      call,
      media,
      tts,
      signal: abort.signal,
      async answer() {
        if (!events.includes('answer')) events.push('answer');
      },
      fetchAudio: (url) => audio.fetch(url),
      async fetchDocument(req) {
        const res = await sendWebhook({ url: req.url, method: req.method, params: { ...standard(), ...req.params }, authToken: AUTH_TOKEN, timeoutMs: 3_000 });
        if (!res.ok) {
          notes.push({ code: res.code, detail: res.message });
          return { next: 'hangup', reason: 'error' };
        }
        const parsed = parseVoiceTwiml(res.body, { documentUrl: req.url });
        if (!parsed.ok) {
          notes.push({ code: parsed.code, detail: parsed.message });
          return { next: 'hangup', reason: 'error' };
        }
        call.documentUrl = req.url;
        return { next: 'document', verbs: parsed.verbs, documentUrl: req.url };
      },
      async reject(reason) {
        events.push(`reject:${reason}`);
      },
      async dial(verb, recordingStarted) {
        events.push('dial');
        dialed.push(verb);
        // The bridge of a recorded dial is where its recording starts.
        if (verb.record !== 'do-not-record' && h.dialResult.recording) recordingStarted?.();
        return h.dialResult;
      },
      newRecording: () => recordings.reserve(call.accountSid),
      async refer(target) {
        h.referred.push(target);
        return h.referResult;
      },
      saveRecording: (pcm, meta) => recordings.saveCallRecording(call, pcm, meta),
      notify(code, detail) {
        notes.push({ code, detail });
      },
      get streams() {
        return streams;
      },
      recordings: callRecordings,
      queues: queueAccess,
      conferences: conferenceAccess,
      postStatusCallback(req: StatusCallbackPost) {
        void callbacks.post({ ...req, authToken: AUTH_TOKEN });
      },
    },
    async hangUp() {
      abort.abort();
      for (const last of beforeMediaClose.splice(0)) await last();
    },
    listen() {
      const heard: Heard = { frames: [], at: [] };
      caller.on('audio', (f) => {
        heard.frames.push(f);
        heard.at.push(performance.now());
      });
      return heard;
    },
    async runCall(verbs) {
      const documents: string[] = [];
      let current = verbs;
      for (;;) {
        const outcome = await runDocument(current, h.ctx);
        if (outcome.next !== 'document') return { outcome, documents };
        documents.push(outcome.documentUrl);
        current = outcome.verbs;
      }
    },
    twiml(xml, documentUrl = `${app.url}/voice`) {
      const parsed = parseVoiceTwiml(xml, { documentUrl });
      if (!parsed.ok) throw new Error(`test TwiML does not parse: ${parsed.code} ${parsed.message}`);
      return parsed.verbs;
    },
  };
  t.after(async () => {
    abort.abort();
    await media.close();
    await caller.close();
    await app.close();
    await root.close();
    await closeTables(tables);
    rmSync(dataDir, { recursive: true, force: true });
  });
  return h;
}

/** A plain HTTP server for audio files: path → [content type, body, extra headers]. Counts requests per path. */
export async function audioServer(
  t: TestContext,
  files: Record<string, { type: string; body: Buffer; headers?: Record<string, string> }>,
): Promise<{ url: string; hits: Map<string, number> }> {
  const hits = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const f = files[path];
    if (!f) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': f.type, ...f.headers });
    res.end(f.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  t.after(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
  return { url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`, hits };
}

/** Frequency of the strongest component near the expected band, by zero crossings (good enough for one tone). */
export function zeroCrossingHz(pcm: Int16Array): number {
  let crossings = 0;
  for (let i = 1; i < pcm.length; i++) if ((pcm[i - 1]! < 0) !== (pcm[i]! < 0)) crossings++;
  return (crossings / 2) * (8000 / Math.max(1, pcm.length));
}

/** Milliseconds of frames louder than `threshold` RMS. */
export function loudMs(frames: Int16Array[], threshold = 300): number {
  let ms = 0;
  for (const f of frames) {
    let sum = 0;
    for (let i = 0; i < f.length; i++) sum += f[i]! * f[i]!;
    if (Math.sqrt(sum / Math.max(1, f.length)) >= threshold) ms += (f.length / 8000) * 1000;
  }
  return ms;
}
