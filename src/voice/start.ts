// Starts everything voice needs, in order: SIP (edge or drachtio-server), the recordings store, the Voice service
// (INVITE handling, Calls, <Dial>), and the sandbox handset when no TANDEM_SIP_TRUNK is set. One call from the
// switch; the returned route modules expose /Calls, and /sandbox/Calls when the handset runs.
import type { NumberRecord } from '../store/records.js';
import type { NumberGeo } from '../numbers/geo.js';
import { join } from 'node:path';
import type { Logger } from 'pino';
import nact from 'nact';
import type { Config } from '../config.js';
import type { Tables } from '../store/db.js';
import type { SipTrunkConfig } from '../carriers/config.js';
import type { StatusCallbackSender } from '../../protocols/webhook/index.js';
import type { NewNotification } from '../notifications/notifications.js';
import type { RouteModule } from '../api/app.js';
import { MediaPlane, PortPool, TextToSpeech, openOnThisThread, type OpenMedia } from '../../protocols/rtp/index.js';
import { advertisedHost } from '../../protocols/sip/edge/context.js';
import { runVerb } from '../../actors/call/verbs/index.js';
import { connectSip, type SipConnection } from './sip-connect.js';
import { Voice, INTERNAL_HEADER } from './voice.js';
import { startSipDomains, type SipDomains } from '../sip-domains/index.js';
import { AudioFetcher } from './audio-fetch.js';
import { Recordings } from './recordings.js';
import { SandboxPhone } from '../sandbox/phone.js';
import { registerCallRoutes } from '../api/calls.js';
import { registerStreamRoutes } from '../api/streams.js';
import { registerRecordingControlRoutes } from '../api/recording-control.js';
import { registerQueueRoutes } from '../api/queues.js';
import { registerConferenceRoutes } from '../api/conferences.js';
import { recordingRoutes } from '../api/recordings.js';
import { registerSandboxCallRoutes } from '../sandbox/phone-routes.js';

export interface VoiceStack {
  voice: Voice;
  /** The media workers once started; undefined before, and with TANDEM_MEDIA_WORKERS=0 (media on the main thread). */
  readonly media: MediaPlane | undefined;
  /** Starts the media workers (call it once tandem is otherwise up); a call that comes sooner starts them itself. */
  startMedia(): void;
  recordings: Recordings;
  sip: SipConnection;
  /** SIP domains: their registrar, their endpoints' calls, <Dial><Sip> to registered users. */
  sipDomains: SipDomains;
  phone: SandboxPhone | undefined;
  routes: RouteModule[];
  stop(): Promise<void>;
}

export async function startVoice(opts: {
  config: Config;
  tables: Tables;
  system: unknown;
  sipTrunks: SipTrunkConfig[];
  /** No carriers file: the sandbox is the carrier, loopback may call in. */
  sandbox: boolean;
  authToken(accountSid: string): string | undefined;
  numberView?: (n: NumberRecord) => NumberRecord;
  callbackSender: StatusCallbackSender;
  notify(n: NewNotification): void;
  geo: NumberGeo;
  log: Logger;
}): Promise<VoiceStack> {
  const { config, log } = opts;
  // RTP in worker threads, each with its own 20 ms clock, so SIP, webhooks and the API cannot make packets late.
  const workers = config.mediaWorkers > 0 ? new MediaWorkers(config.mediaWorkers, log.child({ part: 'media' })) : undefined;
  const edgeLog = log.child({ part: 'sip' });
  const sip = await connectSip({
    sipHost: config.sipHost,
    sipPort: config.sipPort,
    drachtioPort: config.drachtioPort,
    drachtio: config.drachtio,
    secret: config.drachtioSecret,
    logger: { debug: (m) => edgeLog.debug(m), info: (m) => edgeLog.info(m), warn: (m) => edgeLog.warn(m), error: (m) => edgeLog.error(m) },
  });
  // RTP binds where SIP does; SDP advertises an address peers can reach (the first external one for 0.0.0.0).
  const rtpHost = config.sipHost;
  const pool = new PortPool(config.rtpPorts);
  const openMedia: OpenMedia | undefined = workers?.open;
  const recordings = new Recordings({ root: opts.tables.root, dataDir: config.dataDir, publicUrl: config.publicUrl });
  const audio = new AudioFetcher({ timeoutMs: config.webhookTimeoutMs });
  const voiceLog = log.child({ part: 'voice' });
  const tts = new TextToSpeech({ cacheDir: join(config.dataDir, 'tts-cache'), logger: { warn: (m) => voiceLog.warn(m) } });
  const sipDomains = startSipDomains({ srf: sip.srf, tables: opts.tables, notify: opts.notify, log, ignoreHeaders: [INTERNAL_HEADER] });
  const voice = new Voice(
    {
      sipDomains,
      srf: sip.srf,
      tables: opts.tables,
      authToken: opts.authToken,
      ...(opts.numberView && { numberView: opts.numberView }),
      callbackSender: opts.callbackSender,
      notify: opts.notify,
      pool,
      ...(openMedia && { openMedia }),
      rtpHost,
      rtpAdvertise: advertisedHost(config.sipHost),
      sipTrunk: config.sipTrunk,
      sipTrunks: opts.sipTrunks,
      sandbox: opts.sandbox,
      callsPerSecond: callsPerSecond(process.env.TANDEM_CALLS_PER_SECOND),
      webhookTimeoutMs: config.webhookTimeoutMs,
      geo: opts.geo,
      tts,
      fetchAudio: (url) => audio.fetch(url),
      newRecording: (accountSid) => recordings.reserve(accountSid),
      saveRecording: (call, pcm, meta) => recordings.saveCallRecording(call, pcm, meta),
      saveConferenceRecording: recordings.conferenceRecorder().saveRecording,
      runVerb,
      log: voiceLog,
    },
    opts.system as nact.Ref<never>,
  );

  let phone: SandboxPhone | undefined;
  const routes: RouteModule[] = [registerCallRoutes(voice), registerStreamRoutes(voice), registerQueueRoutes(voice), registerConferenceRoutes(voice), recordingRoutes(recordings, voice.recordingLookup()), registerRecordingControlRoutes(voice, recordings)];
  if (!config.sipTrunk) {
    // The handset's media shares tandem's RTP pool: one range to open in a firewall, one pool to size.
    phone = await SandboxPhone.start({ pool, ...(openMedia && { openMedia }), host: '127.0.0.1', tandemSip: sip.sipHostPort, secret: config.drachtioSecret, headers: voice.internalHeaders() });
    const p = phone;
    voice.useSandboxPhone((to) => p.uriFor(to));
    routes.push(registerSandboxCallRoutes(p, voice));
  }
  // After the handset is in place: calls queued before a restart may be for it.
  const recovered = await voice.recover();
  if (recovered.closed + recovered.requeued > 0) log.warn(recovered, 'calls from before the last stop: queued ones queued again, live ones closed');
  return {
    voice,
    get media() {
      return workers?.plane;
    },
    startMedia: () => void workers?.start(),
    recordings,
    sip,
    sipDomains,
    phone,
    routes,
    async stop() {
      await voice.close();
      sipDomains.stop();
      await phone?.close();
      await sip.close();
      await workers?.close();
    },
  };
}

function callsPerSecond(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 1;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || n > 1000) throw new Error(`TANDEM_CALLS_PER_SECOND must be a number above 0 and at most 1000, got '${raw}'`);
  return n;
}

/**
 * The media worker threads, started once tandem is otherwise up: each loads the TypeScript toolchain, which on two
 * cores added ~0.7 s to start-up when it ran alongside it. A call that comes sooner starts them and waits for them.
 * Workers that cannot start leave call media on the main thread, with the reason logged.
 */
class MediaWorkers {
  plane: MediaPlane | undefined;
  private starting: Promise<MediaPlane | undefined> | undefined;
  private closed = false;

  constructor(
    private readonly workers: number,
    private readonly log: Logger,
  ) {}

  start(): Promise<MediaPlane | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    this.starting ??= MediaPlane.start({ workers: this.workers, logger: { warn: (m) => this.log.warn(m), error: (m) => this.log.error(m) } }).then(
      (p) => (this.plane = p),
      (err: unknown) => {
        this.log.error({ err }, 'media workers did not start; call media runs on the main thread');
        return undefined;
      },
    );
    return this.starting;
  }

  readonly open: OpenMedia = async (o) => {
    const plane = await this.start();
    return plane ? plane.open(o) : openOnThisThread(o);
  };

  async close(): Promise<void> {
    this.closed = true;
    const plane = await this.starting;
    await plane?.close();
  }
}
