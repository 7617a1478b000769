// Starts the bench's SMSC process (smsc-bench-main.ts) and reads what it saw.
import { getJson, postJson } from './http.js';
import { startNode, type Proc } from './procs.js';

export interface Arrivals { n: number; idx: number[]; at: number[]; from: string[] }
export interface MoRunReport { count: number; sent: number; acked: number; failed: number; sentAt: (number | null)[]; ackedAt: (number | null)[] }
export interface SmscStats { submits: number; rejected: number; dlrsSent: number; mosSent: number; binds: number; bound: number }

export interface Smsc {
  smppPort: number;
  httpUrl: string;
  proc: Proc;
  arrivals(tag: string): Promise<Arrivals>;
  startMo(tag: string, count: number, rate: number, to: string[]): Promise<void>;
  moRun(tag: string): Promise<MoRunReport>;
  stats(): Promise<SmscStats>;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/** `smppPort` 0 picks a free one; a fixed one lets a scenario start the carrier after tandem. */
export async function startSmsc(smppPort = 0): Promise<Smsc> {
  const proc = startNode('smsc', 'bench/lib/smsc-bench-main.ts', { SMSC_PORT: String(smppPort), SMSC_HTTP_PORT: '0' });
  const m = await proc.waitForLine(/\{"smppPort":(\d+),"httpPort":(\d+)\}/, 30_000);
  const httpUrl = `http://127.0.0.1:${m[2]}`;
  return {
    smppPort: Number(m[1]),
    httpUrl,
    proc,
    arrivals: (tag) => getJson<Arrivals>(`${httpUrl}/bench/arrivals?tag=${encodeURIComponent(tag)}`),
    startMo: async (tag, count, rate, to) => {
      await postJson(`${httpUrl}/bench/mo`, { tag, count, rate, to });
    },
    moRun: (tag) => getJson<MoRunReport>(`${httpUrl}/bench/mo?tag=${encodeURIComponent(tag)}`),
    stats: () => getJson<SmscStats>(`${httpUrl}/stats.json`),
    reset: async () => {
      await postJson(`${httpUrl}/bench/reset`, {});
    },
    stop: () => proc.stop(),
  };
}

/**
 * One SMSC process at a time, a fresh one for each gateway run (same program): nothing one gateway left behind
 * (receipts, retries, MO it never acknowledged) reaches the next.
 */
export class FreshSmsc {
  private current: Smsc | undefined;

  /** Stops the previous SMSC, if any, and starts a new one. */
  async next(): Promise<Smsc> {
    await this.stop();
    this.current = await startSmsc();
    return this.current;
  }

  async stop(): Promise<void> {
    const s = this.current;
    this.current = undefined;
    if (s) await s.stop();
  }
}
