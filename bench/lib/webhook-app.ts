import { startNode, type Proc } from './procs.js';

export interface WebhookApp { url: string; proc: Proc; stop(): Promise<void> }

export async function startWebhookApp(): Promise<WebhookApp> {
  const proc = startNode('webhook-app', 'bench/lib/webhook-app-main.ts', { WEBHOOK_PORT: '0' });
  const m = await proc.waitForLine(/\{"port":(\d+)\}/, 30_000);
  return { url: `http://127.0.0.1:${m[1]}`, proc, stop: () => proc.stop() };
}
