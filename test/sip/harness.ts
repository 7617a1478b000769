// Starts the SIP edge and a real drachtio-srf connected to it, both on loopback with free ports.
import Srf from 'drachtio-srf';
import { startSipEdge, type SipEdge, type SipEdgeOptions } from '../../protocols/sip/index.js';

export const SECRET = 'test-secret';

export const ANSWER_SDP = [
  'v=0', 'o=tandem 1 1 IN IP4 127.0.0.1', 's=tandem', 'c=IN IP4 127.0.0.1', 't=0 0',
  'm=audio 40000 RTP/AVP 0', 'a=rtpmap:0 PCMU/8000', 'a=sendrecv', '',
].join('\r\n');

export interface Harness {
  edge: SipEdge;
  srf: Srf;
  edgeUri: string;
  close(): Promise<void>;
}

export async function startHarness(
  register: (srf: Srf) => void,
  edgeOpts: Partial<SipEdgeOptions> = {},
): Promise<Harness> {
  const edge = await startSipEdge({ sipHost: '127.0.0.1', sipPort: 0, drachtioPort: 0, secret: SECRET, ...edgeOpts });
  const srf = new Srf();
  register(srf);
  await connectSrf(srf, edge.drachtioPort, SECRET);
  return {
    edge,
    srf,
    edgeUri: `127.0.0.1:${edge.sipPort}`,
    close: async () => {
      try { srf.disconnect(); } catch { /* already gone */ }
      await edge.close();
    },
  };
}

export function connectSrf(srf: Srf, port: number, secret: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('srf connect timeout')), 3000);
    srf.on('connect', (err: Error | null, hostport: string) => {
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(hostport);
    });
    srf.on('error', () => { /* reconnect noise after close */ });
    srf.connect({ host: '127.0.0.1', port, secret, reconnect: { maxAttempts: 1 } });
  });
}

/** Polls until `check` holds (or throws after `ms`). */
export async function eventually(check: () => boolean, ms = 3000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
