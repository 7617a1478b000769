/**
 * tandem's embedded SIP edge: stands in for drachtio-server so drachtio-srf apps run with no
 * C++ server. It speaks drachtio's TCP wire protocol to srf (srf's `connect` mode) on one side
 * and SIP over UDP and TCP on the other (same port number for both).
 *
 *   const edge = await startSipEdge({ sipHost: '127.0.0.1', sipPort: 5060, drachtioPort: 9022, secret: 'cymru' });
 *   const srf = new Srf();
 *   srf.connect({ host: '127.0.0.1', port: edge.drachtioPort, secret: 'cymru' });
 *   srf.invite((req, res) => { ... });          // unchanged drachtio-srf code
 *   ...
 *   edge.stats();   // counters and live state sizes (for leak checks and metrics)
 *   await edge.close();
 *
 * Port 0 for either port picks a free one; `edge.sipPort` / `edge.drachtioPort` report the
 * real ports. The control port binds to `drachtioHost` (default 127.0.0.1): the secret
 * travels in clear text, so keep it on loopback.
 *
 * Supported subset (what drachtio-server does for srf): authenticate/route/remove_route/ping,
 * `sip` requests and responses with transaction and dialog ids and the "Msg sent" echo, CDR
 * events (cdr:attempt/start/stop), unsolicited BYE on ACK timeout; RFC 3261 transactions with
 * timers A–K, dialogs, CANCEL, re-INVITE, OPTIONS (200 when no app routes it), 481 for unknown
 * dialogs, 503 when no app routes a method. Not supported: the `proxy` message (NOK), srf's
 * outbound `listen` mode, PRACK/100rel (an INVITE that requires it gets 420), forking, early
 * dialogs, SUBSCRIBE/NOTIFY dialogs, TLS/WS, SRV/NAPTR, session timers, srf tag routing.
 *
 * Where it differs from drachtio-server on purpose: a CANCEL that arrives after the final
 * response gets 200 and has no effect (RFC 3261 §9.2) instead of 481 plus a BYE. Several
 * connected apps share a method round-robin. When an app disconnects, its pending INVITEs get
 * 503 and its calls are hung up with BYE.
 */
import { EdgeContext, advertisedHost, type EdgeLogger } from './edge/context.js';
import { handleNetworkData } from './edge/inbound.js';
import { handleAppSip, onClientResponse } from './edge/outbound.js';
import { DEFAULT_TIMERS, realClock, type Clock, type TimerConfig } from './sip/transaction.js';
import { SipTransport } from './sip/transport.js';
import { AppServer, type AppSession } from './wire/app-session.js';
import { answer } from './wire/messages.js';

export interface SipEdgeOptions {
  sipHost: string;
  sipPort: number;
  drachtioHost?: string;
  drachtioPort: number;
  secret: string;
  /** Address written into Via/Contact/From when sipHost is a wildcard (default: first external IPv4). */
  publicHost?: string;
  logger?: EdgeLogger;
  /** RFC 3261 T1/T2/T4 in ms (defaults 500/4000/5000); tests shrink them to see timeouts quickly. */
  timers?: Partial<TimerConfig>;
  clock?: Clock;
}

export interface SipEdgeStats {
  /** Authenticated srf connections. */
  apps: number;
  dialogs: number;
  serverTransactions: number;
  clientTransactions: number;
  tcpConnections: number;
  /** SIP messages received from / sent to the network, and ones dropped as malformed. */
  received: number;
  sent: number;
  malformed: number;
  /** Messages pushed to apps. */
  appMessages: number;
}

export interface SipEdge {
  sipPort: number;
  drachtioPort: number;
  stats(): SipEdgeStats;
  close(): Promise<void>;
}

const MAX_QUEUED_APP_MESSAGES = 10_000;

const silent: EdgeLogger = { info() {}, warn() {}, error() {}, debug() {} };

export async function startSipEdge(opts: SipEdgeOptions): Promise<SipEdge> {
  const log = opts.logger ?? silent;
  const queues = new WeakMap<AppSession, { tail: Promise<void>; depth: number }>();
  const timers: TimerConfig = { ...DEFAULT_TIMERS, ...opts.timers };
  const host = opts.publicHost ?? advertisedHost(opts.sipHost);
  const ctx = new EdgeContext(host, opts.sipHost, log, opts.clock ?? realClock, timers);
  ctx.onClientResponse = onClientResponse;
  ctx.transport = new SipTransport(opts.sipHost, (data, flow) => handleNetworkData(ctx, data, flow), log);
  ctx.apps = new AppServer({
    secret: opts.secret,
    hostports: () => `udp/${ctx.hostPort},tcp/${ctx.hostPort}`,
    onSip: (app, msg) => {
      // One app's messages are handled strictly in order (a CANCEL must not overtake its INVITE
      // while the INVITE's target is being resolved), with a bound on how many may wait.
      const q = queues.get(app) ?? { tail: Promise.resolve(), depth: 0 };
      queues.set(app, q);
      if (q.depth >= MAX_QUEUED_APP_MESSAGES) {
        app.send(answer(msg.id, ['NOK', 'too many messages pending']));
        return;
      }
      q.depth++;
      q.tail = q.tail
        .then(() => handleAppSip(ctx, app, msg))
        .catch((e: Error) => log.error(`app message failed: ${e.stack}`))
        .finally(() => { q.depth--; });
    },
    onClosed: (app) => ctx.appGone(app),
    log,
  });
  await ctx.transport.listen(opts.sipPort);
  let drachtioPort: number;
  try {
    drachtioPort = await ctx.apps.listen(opts.drachtioHost ?? '127.0.0.1', opts.drachtioPort);
  } catch (err) {
    await ctx.transport.close();
    throw err;
  }
  log.info(`sip edge: SIP on ${opts.sipHost}:${ctx.port} (udp+tcp), drachtio control on ${drachtioPort}`);

  return {
    sipPort: ctx.port,
    drachtioPort,
    stats: () => {
      const c = ctx.layer.counts;
      return {
        apps: [...ctx.apps.sessions].filter((a) => a.authenticated).length,
        dialogs: ctx.dialogs.size,
        serverTransactions: c.server,
        clientTransactions: c.client,
        tcpConnections: ctx.transport.tcpConnections,
        ...ctx.counters,
      };
    },
    close: async () => {
      ctx.layer.clear();
      await Promise.all([ctx.apps.close(), ctx.transport.close()]);
    },
  };
}
