// Chooses the carrier and bind for each segment: the carrier with the longest prefix matching the destination,
// the next one when it has no ready bind or its bind failed locally, round-robin across a carrier's binds.
import type { Ref } from 'nact';
import type { Logger } from 'pino';
import { EsmeSession, type DeliverEvent, type SubmitParams, type SubmitResult } from '../../protocols/smpp/esme-session.js';
import { spawnCarrierBind, type CarrierBind } from '../../actors/carrier-bind.js';
import type { SmppCarrierConfig } from './config.js';
import type { Metrics } from '../metrics.js';

export type RoutedResult = SubmitResult & { carrier: string };

/** One carrier as /healthz shows it: its SMPP sessions and how many are bound and able to submit now. */
export interface CarrierHealth {
  name: string;
  binds: number;
  ready: number;
}

interface Carrier {
  config: SmppCarrierConfig;
  binds: CarrierBind[];
  next: number;
}

const NO_ROUTE: SubmitResult = { ok: false, commandStatus: -1, retryable: true, reason: 'unbound' };

/**
 * The result with its carrier, written out field by field: `{ ...result, carrier }` at a site that sees both result
 * shapes made V8 build a new hidden class on every submit (a perf profile showed it as ~1 % of the main thread).
 */
function routed(r: SubmitResult, carrier: string): RoutedResult {
  return r.ok
    ? { ok: true, messageId: r.messageId, answeredAt: r.answeredAt, carrier }
    : { ok: false, commandStatus: r.commandStatus, retryable: r.retryable, reason: r.reason, carrier };
}

export class CarrierRouter {
  private readonly carriers: Carrier[];
  private deliverHandler: (carrier: string, event: DeliverEvent) => void = () => undefined;

  constructor(
    system: Ref<never>,
    configs: SmppCarrierConfig[],
    private readonly log: Logger,
    metrics: Metrics,
  ) {
    this.carriers = configs.map((config) => ({
      config,
      next: 0,
      binds: Array.from({ length: config.binds }, (_, i) => {
        const session = new EsmeSession({
          host: config.host,
          port: config.port,
          systemId: config.systemId,
          password: config.password,
          systemType: config.systemType,
          bindType: config.bindType,
          window: config.window,
          responseTimeoutMs: config.responseTimeoutMs,
          enquireLinkIntervalMs: config.enquireLinkIntervalMs,
          ...(config.maxSubmitRate > 0 ? { maxSubmitRate: config.maxSubmitRate } : {}),
          logger: {
            info: (m: string) => log.info({ carrier: config.name, bind: i }, m),
            warn: (m: string) => log.warn({ carrier: config.name, bind: i }, m),
            error: (m: string) => log.error({ carrier: config.name, bind: i }, m),
          },
        });
        session.on('bound', () => log.info({ carrier: config.name, bind: i }, 'carrier bind up'));
        session.on('unbound', (reason) => {
          if (reason === 'closed') log.info({ carrier: config.name, bind: i }, 'carrier bind closed');
          else log.warn({ carrier: config.name, bind: i, reason }, 'carrier bind down; re-binding');
        });
        session.on('error', (err) => log.warn({ carrier: config.name, bind: i, err: err.message }, 'carrier bind error'));
        return spawnCarrierBind(system, config.name, i, session, (c, e) => this.deliverHandler(c, e), (err, msg) =>
          log.error({ carrier: config.name, bind: i, err, msg: msg.type }, 'carrier bind message failed'),
        );
      }),
    }));
    // Longest prefix first, so the first match is the most specific carrier.
    metrics.gauge('tandem_carrier_binds_ready', 'SMPP sessions bound and able to submit', () => this.health().reduce((n, c) => n + c.ready, 0));
    metrics.gauge('tandem_carrier_submits_in_flight', 'submit_sm awaiting a response', () =>
      this.carriers.reduce((n, c) => n + c.binds.reduce((m, b) => m + b.session.inFlight, 0), 0),
    );
  }

  health(): CarrierHealth[] {
    return this.carriers.map((c) => ({ name: c.config.name, binds: c.binds.length, ready: c.binds.filter((b) => b.session.ready).length }));
  }

  onDeliver(handler: (carrier: string, event: DeliverEvent) => void): void {
    this.deliverHandler = handler;
  }

  /** Starts binding; resolves when every carrier has one bind up or `waitMs` passed (binds keep retrying after). */
  async start(waitMs = 5_000): Promise<void> {
    const all = this.carriers.flatMap((c) => c.binds.map((b) => b.session.start()));
    await Promise.race([Promise.all(all), new Promise((r) => setTimeout(r, waitMs).unref())]);
  }

  /** Whether any carrier that can submit serves `to`'s prefix (bound or not): else nothing will ever take it. */
  reaches(to: string): boolean {
    return this.carriers.some((c) => c.config.bindType !== 'receiver' && c.config.prefixes.some((p) => to.startsWith(p)));
  }

  /** Carriers able to reach `to`, most specific first. */
  private candidates(to: string): Carrier[] {
    return this.carriers
      .filter((c) => c.config.bindType !== 'receiver' && c.config.prefixes.some((p) => to.startsWith(p)))
      .sort((a, b) => longest(b.config.prefixes, to) - longest(a.config.prefixes, to));
  }

  async submit(to: string, params: SubmitParams): Promise<RoutedResult> {
    let last: RoutedResult | undefined;
    for (const c of this.candidates(to)) {
      const bind = this.pickBind(c);
      if (!bind) continue;
      const result = await new Promise<SubmitResult>((reply) => bind.tell({ type: 'submit', params, reply }));
      last = routed(result, c.config.name);
      // A carrier's own verdict (accepted, rejected, throttled) stands; only a local failure tries the next carrier.
      if (result.ok || result.reason === 'status') return last;
    }
    return last ?? routed(NO_ROUTE, '');
  }

  private pickBind(c: Carrier): CarrierBind | undefined {
    for (let i = 0; i < c.binds.length; i++) {
      const b = c.binds[(c.next + i) % c.binds.length]!;
      if (b.session.ready) {
        c.next = (c.next + i + 1) % c.binds.length;
        return b;
      }
    }
    return undefined;
  }

  readyBinds(): number {
    return this.carriers.reduce((n, c) => n + c.binds.filter((b) => b.session.ready).length, 0);
  }

  async close(): Promise<void> {
    await Promise.all(this.carriers.flatMap((c) => c.binds.map((b) => b.session.close())));
    this.log.info('carrier binds closed');
  }
}

function longest(prefixes: string[], to: string): number {
  let n = -1;
  for (const p of prefixes) if (to.startsWith(p) && p.length > n) n = p.length;
  return n;
}
