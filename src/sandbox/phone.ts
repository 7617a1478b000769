// The sandbox handset: a SIP phone inside tandem for a machine with no carrier. It has its own embedded SIP edge
// and drachtio-srf app on loopback, so tandem calls it exactly as it would call a carrier (INVITE, SDP, RTP, BYE).
// It answers every call, listens (audio heard, RFC 4733 digits), and can call tandem numbers and press keys.
import Srf from 'drachtio-srf';
import { startSipEdge, type SipEdge } from '../../protocols/sip/index.js';
import { buildAnswer, buildOffer, negotiate, parseSdp, rms, openOnThisThread, type MediaEndpoint, type OpenMedia, type PortPool } from '../../protocols/rtp/index.js';

/** Frames louder than this count as heard audio (speech, tones), not silence. */
const HEARD_RMS = 200;
/** The handset never holds a call longer than this (a TwiML loop must not keep it forever). */
const MAX_CALL_MS = 10 * 60_000;
const CALLS_KEPT = 200;

export interface SandboxCall {
  /** Position in the handset's call log, from 1. */
  id: number;
  /** 'incoming': tandem called the handset; 'outgoing': the handset called a tandem number. */
  direction: 'incoming' | 'outgoing';
  from: string;
  to: string;
  /** tandem's CallSid for the leg the handset talked to, when known. */
  callSid: string | null;
  status: 'ringing' | 'in-progress' | 'completed' | 'failed' | 'busy' | 'no-answer';
  sipStatus: number | null;
  /** Keys tandem pressed towards the handset (RFC 4733), in order. */
  digitsHeard: string;
  /** Keys the handset pressed. */
  digitsSent: string;
  /** Milliseconds of non-silent audio the handset heard. */
  audioHeardMs: number;
  startedAt: number;
  answeredAt: number | null;
  endedAt: number | null;
  /** Who hung up: 'tandem' or 'handset'. */
  hungUpBy: 'tandem' | 'handset' | null;
}

export interface PlaceCall {
  from: string;
  to: string;
  digits: string;
  /** Seconds after the answer when the handset hangs up (if tandem has not already). */
  hangupAfterS: number;
  /** Wait before pressing the digits, so the app's <Gather> is listening. */
  digitsDelayMs: number;
}

export interface SandboxPhoneOptions {
  pool: PortPool;
  /** Where the handset's endpoints run (tandem's media workers); this thread by default. */
  openMedia?: OpenMedia;
  host: string;
  /** host:port of tandem's SIP listener. */
  tandemSip: string;
  secret: string;
  /** Sent on the handset's INVITEs to tandem (lets it past the SIP trunk source check). */
  headers?: Record<string, string>;
}

export class SandboxPhone {
  private readonly calls: SandboxCall[] = [];
  private nextId = 1;
  private constructor(
    private readonly o: SandboxPhoneOptions,
    private readonly edge: SipEdge,
    private readonly srf: Srf,
  ) {}

  static async start(o: SandboxPhoneOptions): Promise<SandboxPhone> {
    const edge = await startSipEdge({ sipHost: o.host, sipPort: 0, drachtioPort: 0, secret: o.secret });
    const srf = new Srf();
    srf.on('error', () => undefined);
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('sandbox handset: srf did not connect')), 5000);
        srf.once('connect', (err: Error | null) => {
          clearTimeout(timer);
          if (err) reject(err);
          else resolve();
        });
        srf.connect({ host: '127.0.0.1', port: edge.drachtioPort, secret: o.secret });
      });
    } catch (err) {
      await edge.close();
      throw err;
    }
    const phone = new SandboxPhone(o, edge, srf);
    srf.invite((req, res) => void phone.answer(req, res));
    return phone;
  }

  /** Request-URI that reaches the handset for a call to `user`. */
  uriFor(user: string): string {
    return `sip:${user}@${this.o.host}:${this.edge.sipPort}`;
  }

  list(): SandboxCall[] {
    return this.calls.map((c) => ({ ...c }));
  }

  clear(): void {
    this.calls.length = 0;
  }

  async close(): Promise<void> {
    try {
      this.srf.disconnect();
    } catch {
      // already gone
    }
    await this.edge.close();
  }

  private remember(c: SandboxCall): void {
    this.calls.push(c);
    if (this.calls.length > CALLS_KEPT) this.calls.shift();
  }

  /** tandem calls the handset: ring briefly, answer, listen until tandem hangs up. */
  private async answer(req: Srf.SrfRequest, res: Srf.SrfResponse): Promise<void> {
    const call: SandboxCall = this.newCall('incoming', req.callingNumber, req.calledNumber, req.get('X-Twilio-CallSid') ?? null);
    this.remember(call);
    let rtp: MediaEndpoint | undefined;
    try {
      const offer = parseSdp(req.body);
      const media = negotiate(offer);
      rtp = await this.openMedia({ pool: this.o.pool, host: this.o.host, media, remote: offer, sendSilence: true, mediaTimeoutMs: 0 });
      this.listen(rtp, call);
      res.send(180);
      const dialog = await this.srf.createUAS(req, res, { localSdp: buildAnswer({ address: this.o.host, port: rtp.port }, media) });
      call.status = 'in-progress';
      call.answeredAt = Date.now();
      await this.hold(dialog, call, MAX_CALL_MS);
    } catch {
      call.status = 'failed';
      call.endedAt = Date.now();
      if (!res.finalResponseSent) res.send(488);
    } finally {
      await rtp?.close();
    }
  }

  private newCall(direction: SandboxCall['direction'], from: string, to: string, callSid: string | null): SandboxCall {
    return {
      id: this.nextId++,
      direction,
      from,
      to,
      callSid,
      status: 'ringing',
      sipStatus: null,
      digitsHeard: '',
      digitsSent: '',
      audioHeardMs: 0,
      startedAt: Date.now(),
      answeredAt: null,
      endedAt: null,
      hungUpBy: null,
    };
  }

  /** The handset dials a tandem number, presses `digits` once answered, and hangs up after `hangupAfterS`. */
  async place(p: PlaceCall): Promise<SandboxCall> {
    const call: SandboxCall = this.newCall('outgoing', p.from, p.to, null);
    this.remember(call);
    const rtp = await this.openMedia({ pool: this.o.pool, host: this.o.host, sendSilence: true, mediaTimeoutMs: 0 });
    this.listen(rtp, call);
    void (async () => {
      try {
        const dialog = await this.srf.createUAC(`sip:${p.to}@${this.o.tandemSip}`, {
          localSdp: buildOffer({ address: this.o.host, port: rtp.port }),
          callingNumber: p.from,
          headers: { ...this.o.headers },
        }, {
          cbProvisional: (res) => {
            const sid = res.get('X-Twilio-CallSid');
            if (sid) call.callSid = sid;
          },
        });
        const answer = parseSdp(dialog.remote.sdp);
        rtp.setMedia(negotiate(answer));
        rtp.setRemote(answer);
        call.status = 'in-progress';
        call.answeredAt = Date.now();
        if (p.digits) {
          setTimeout(() => {
            call.digitsSent += p.digits.replace(/[wW]/g, '');
            void rtp.sendDigits(p.digits).catch(() => undefined);
          }, p.digitsDelayMs);
        }
        await this.hold(dialog, call, p.hangupAfterS * 1000);
      } catch (err) {
        const status = (err as { status?: number }).status;
        call.sipStatus = status ?? null;
        call.status = status === 486 || status === 600 ? 'busy' : status === 603 || status === 480 || status === 487 ? 'no-answer' : 'failed';
        call.endedAt = Date.now();
      } finally {
        await rtp.close();
      }
    })();
    return { ...call };
  }

  /** Stays on the call until tandem hangs up or `maxMs` passes (then the handset hangs up). */
  private hold(dialog: Srf.Dialog, call: SandboxCall, maxMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        call.hungUpBy = 'handset';
        call.status = 'completed';
        call.endedAt = Date.now();
        void dialog.destroy().catch(() => undefined).then(() => resolve());
      }, maxMs);
      dialog.on('destroy', () => {
        clearTimeout(timer);
        call.hungUpBy = 'tandem';
        call.status = 'completed';
        call.endedAt = Date.now();
        resolve();
      });
    });
  }

  private readonly openMedia: OpenMedia = (opts) => (this.o.openMedia ?? openOnThisThread)(opts);

  private listen(rtp: MediaEndpoint, call: SandboxCall): void {
    rtp.on('dtmf', (d) => (call.digitsHeard += d));
    rtp.on('audio', (frame) => {
      if (rms(frame) > HEARD_RMS) call.audioHeardMs += frame.length / 8;
    });
  }
}
