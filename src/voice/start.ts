// Starts everything voice needs, in order: SIP (edge or drachtio-server), the recordings store, the Voice service
// (INVITE handling, Calls, <Dial>), and the sandbox handset when no TANDEM_SIP_TRUNK is set. One call from the
// switch; the returned route modules expose /Calls, and /sandbox/Calls when the handset runs.
import { join } from 'node:path';
import type { Logger } from 'pino';
import nact from 'nact';
import type { Config } from '../config.js';
import type { Tables } from '../store/db.js';
import type { SipTrunkConfig } from '../carriers/config.js';
import type { StatusCallbackSender } from '../../protocols/webhook/index.js';
import type { NewNotification } from '../notifications/notifications.js';
import type { RouteModule } from '../api/app.js';
import { MediaPlane, PortPool, TextToSpeech, type OpenMedia } from '../../protocols/rtp/index.js';
import { advertisedHost } from '../../protocols/sip/edge/context.js';
import { runVerb } from '../../actors/call/verbs/index.js';
import { connectSip, type SipConnection } from './sip-connect.js';
import { Voice } from './voice.js';
import { AudioFetcher } from './audio-fetch.js';
import { Recordings } from './recordings.js';
import { SandboxPhone } from '../sandbox/phone.js';
import { registerCallRoutes } from '../api/calls.js';
import { recordingRoutes } from '../api/recordings.js';
import { registerSandboxCallRoutes } from '../sandbox/phone-routes.js';

export interface VoiceStack {
  voice: Voice;
  /** The media workers; undefined with TANDEM_MEDIA_WORKERS=0 (media on the main thread). */
  media: MediaPlane | undefined;
  recordings: Recordings;
  sip: SipConnection;
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
  callbackSender: StatusCallbackSender;
  notify(n: NewNotification): void;
  log: Logger;
}): Promise<VoiceStack> {
  const { config, log } = opts;
  // RTP in worker threads, each with its own 20 ms clock, so SIP, webhooks and the API cannot make packets late.
  // They load while SIP connects.
  const mediaLog = log.child({ part: 'media' });
  const planeStarting = config.mediaWorkers > 0
    ? MediaPlane.start({ workers: config.mediaWorkers, logger: { warn: (m) => mediaLog.warn(m), error: (m) => mediaLog.error(m) } })
    : undefined;
  const edgeLog = log.child({ part: 'sip' });
  const sip = await connectSip({
    sipHost: config.sipHost,
    sipPort: config.sipPort,
    drachtioPort: config.drachtioPort,
    drachtio: config.drachtio,
    secret: config.drachtioSecret,
    logger: { debug: (m) => edgeLog.debug(m), info: (m) => edgeLog.info(m), warn: (m) => edgeLog.warn(m), error: (m) => edgeLog.error(m) },
  }).catch(async (err: unknown) => {
    await planeStarting?.then((p) => p.close(), () => undefined);
    throw err;
  });
  const plane = await planeStarting?.catch(async (err: unknown) => {
    await sip.close();
    throw err;
  });
  // RTP binds where SIP does; SDP advertises an address peers can reach (the first external one for 0.0.0.0).
  const rtpHost = config.sipHost;
  const pool = new PortPool(config.rtpPorts);
  const openMedia: OpenMedia | undefined = plane && ((o) => plane.open(o));
  const recordings = new Recordings({ root: opts.tables.root, dataDir: config.dataDir, publicUrl: config.publicUrl });
  const audio = new AudioFetcher({ timeoutMs: config.webhookTimeoutMs });
  const voiceLog = log.child({ part: 'voice' });
  const tts = new TextToSpeech({ cacheDir: join(config.dataDir, 'tts-cache'), logger: { warn: (m) => voiceLog.warn(m) } });
  const voice = new Voice(
    {
      srf: sip.srf,
      tables: opts.tables,
      authToken: opts.authToken,
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
      tts,
      fetchAudio: (url) => audio.fetch(url),
      saveRecording: async (call, pcm, meta) => {
        const r = await recordings.save({ accountSid: call.accountSid, callSid: call.sid, pcm, source: meta.source });
        return { sid: r.sid, url: recordings.url(r), durationSeconds: r.durationSeconds };
      },
      runVerb,
      log: voiceLog,
    },
    opts.system as nact.Ref<never>,
  );

  let phone: SandboxPhone | undefined;
  const routes: RouteModule[] = [registerCallRoutes(voice), recordingRoutes(recordings)];
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
    media: plane,
    recordings,
    sip,
    phone,
    routes,
    async stop() {
      await voice.close();
      await phone?.close();
      await sip.close();
      await plane?.close();
    },
  };
}

function callsPerSecond(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 1;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || n > 1000) throw new Error(`TANDEM_CALLS_PER_SECOND must be a number above 0 and at most 1000, got '${raw}'`);
  return n;
}
