// Brings up SIP for the switch: the embedded SIP edge with drachtio-srf connected to it, or srf connected to a
// real drachtio-server when TANDEM_DRACHTIO names one. The rest of tandem only ever sees the srf instance.
import Srf from 'drachtio-srf';
import { startSipEdge, type SipEdge } from '../../protocols/sip/index.js';
import type { EdgeLogger } from '../../protocols/sip/edge/context.js';

export interface SipConnection {
  srf: Srf;
  /** The embedded edge, when tandem runs one. */
  edge: SipEdge | undefined;
  /** host:port where SIP peers reach tandem. */
  sipHostPort: string;
  close(): Promise<void>;
}

export async function connectSip(opts: {
  sipHost: string;
  sipPort: number;
  drachtioPort: number;
  drachtio: string | undefined;
  secret: string;
  logger: EdgeLogger;
  connectTimeoutMs?: number;
}): Promise<SipConnection> {
  let edge: SipEdge | undefined;
  let host = '127.0.0.1';
  let port: number;
  if (opts.drachtio) {
    const m = /^(.*):(\d+)$/.exec(opts.drachtio);
    if (!m) throw new Error(`TANDEM_DRACHTIO must be host:port, got '${opts.drachtio}'`);
    host = m[1]!;
    port = Number(m[2]);
  } else {
    edge = await startSipEdge({ sipHost: opts.sipHost, sipPort: opts.sipPort, drachtioPort: opts.drachtioPort, secret: opts.secret, logger: opts.logger });
    port = edge.drachtioPort;
  }
  const srf = new Srf();
  // srf reconnects by itself after a lost connection; its errors are logged, never thrown at the process.
  srf.on('error', (err: Error) => opts.logger.warn(`drachtio connection: ${err.message}`));
  const hostport = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`could not connect to drachtio at ${host}:${port}`)), opts.connectTimeoutMs ?? 10_000);
    srf.once('connect', (err: Error | null, hp: string) => {
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(hp);
    });
    srf.connect({ host, port, secret: opts.secret });
  }).catch(async (err: unknown) => {
    await edge?.close();
    throw err;
  });
  // drachtio reports "udp/1.2.3.4:5060,tcp/1.2.3.4:5060"; peers reach us at the first one.
  const first = hostport.split(',')[0] ?? '';
  const sipHostPort = first.includes('/') ? first.slice(first.indexOf('/') + 1) : first;
  return {
    srf,
    edge,
    sipHostPort,
    close: async () => {
      try {
        srf.disconnect();
      } catch {
        // already disconnected
      }
      await edge?.close();
    },
  };
}
