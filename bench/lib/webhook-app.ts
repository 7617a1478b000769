import { getJson } from './http.js';
import { startNode, type Proc } from './procs.js';

/** When each MO `<tag>:<n>` reached the app (epoch ms, the same clock as the SMSC's). */
export interface Seen { n: number; idx: number[]; at: number[] }

export interface WebhookApp {
  url: string;
  proc: Proc;
  seen(tag: string): Promise<Seen>;
  /** Status callbacks (`/status`) received so far. */
  statusCallbacks(): Promise<number>;
  stop(): Promise<void>;
}

export async function startWebhookApp(): Promise<WebhookApp> {
  const proc = startNode('webhook-app', 'bench/lib/webhook-app-main.ts', { WEBHOOK_PORT: '0' });
  const m = await proc.waitForLine(/\{"port":(\d+)\}/, 30_000);
  const url = `http://127.0.0.1:${m[1]}`;
  return {
    url,
    proc,
    seen: (tag) => getJson<Seen>(`${url}/bench/seen?tag=${encodeURIComponent(tag)}`),
    statusCallbacks: async () => (await getJson<{ n: number }>(`${url}/bench/status`)).n,
    stop: () => proc.stop(),
  };
}
