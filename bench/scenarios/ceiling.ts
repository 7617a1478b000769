// ceiling: this machine's raw limits for the same work, measured in the same run — node-smpp submit_sm and
// deliver_sm round trips against the same SMSC process the other scenarios use, and undici → fastify form POST
// round trips — and the combined limits they imply for one outbound message and one inbound reply.
import { startNode } from '../lib/procs.js';
import { startSmsc } from '../lib/smsc.js';
import { connectEsme } from '../lib/smpp-client.js';
import { clientPool, http, runLoad } from '../lib/http.js';
import { median, round, waitFor } from '../lib/stats.js';
import type { Figures, Scenario, ScenarioContext } from '../lib/scenario.js';

const SMPP_WINDOW = 100;
const HTTP_CONCURRENCY = 64;

export const ceiling: Scenario = {
  name: 'ceiling',
  async run(ctx: ScenarioContext): Promise<Figures> {
    const n = ctx.quick ? 10_000 : 60_000;
    const runs = ctx.quick ? 1 : 3;
    const submit: number[] = [];
    const deliver: number[] = [];
    const post: number[] = [];

    const smsc = await startSmsc();
    const esme = await connectEsme(smsc.smppPort);
    try {
      await esme.submitBurst('cw', 2_000, SMPP_WINDOW, 10_000);
      for (let r = 0; r < runs; r++) {
        const s = await esme.submitBurst(`c${r}`, n, SMPP_WINDOW, 30_000);
        submit.push(s.perS);
        await smsc.reset();
        const tag = `d${r}`;
        await smsc.startMo(tag, n, 0, ['+15550000002']);
        const mo = await waitFor(async () => {
          const m = await smsc.moRun(tag);
          return m.acked + m.failed >= n ? m : undefined;
        }, 60_000, 'deliver_sm acknowledgements', 50);
        const first = Math.min(...mo.sentAt.filter((x): x is number => typeof x === 'number'));
        const last = mo.ackedAt.reduce<number>((a, x) => (typeof x === 'number' && x > a ? x : a), 0);
        deliver.push(Math.round((mo.acked * 1000) / Math.max(1, last - first)));
        ctx.log(`  smpp #${r + 1}: submit_sm ${s.perS}/s (window ${SMPP_WINDOW}), deliver_sm ${deliver[r]}/s`);
      }
    } finally {
      await esme.close();
      await smsc.stop();
    }

    const server = startNode('fastify-echo', 'bench/lib/fastify-echo-main.ts', { FASTIFY_PORT: '0' });
    try {
      const m = await server.waitForLine(/\{"port":(\d+)\}/, 30_000);
      const origin = `http://127.0.0.1:${m[1]}`;
      const pool = clientPool(origin, HTTP_CONCURRENCY);
      const body = new URLSearchParams({ MessageSid: 'SM' + '0'.repeat(32), From: '+15550000001', To: '+15550000002', Body: 'weather 94110', NumSegments: '1' }).toString();
      const task = async (): Promise<boolean | string> => {
        const r = await http(origin + '/sms', { method: 'POST', dispatcher: pool, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
        return r.status === 200 || String(r.status);
      };
      try {
        await runLoad({ count: 2_000, concurrency: HTTP_CONCURRENCY, maxMs: 10_000, task });
        for (let r = 0; r < runs; r++) {
          const out = await runLoad({ count: n, concurrency: HTTP_CONCURRENCY, maxMs: 30_000, task });
          post.push(Math.round((out.ok * 1000) / Math.max(1, out.t1 - out.t0)));
          ctx.log(`  http #${r + 1}: ${post[r]} form POST/s (${HTTP_CONCURRENCY} concurrent)`);
        }
      } finally {
        await pool.close();
      }
    } finally {
      await server.stop();
    }

    const smppSubmit = median(submit);
    const smppDeliver = median(deliver);
    const webhook = median(post);
    return {
      smpp_submit_per_s: smppSubmit,
      smpp_deliver_per_s: smppDeliver,
      webhook_per_s: webhook,
      // One HTTP request plus one submit_sm per outbound message; one deliver_sm, one webhook and one submit_sm per reply.
      outbound_per_s: round(1 / (1 / webhook + 1 / smppSubmit), 0),
      inbound_per_s: round(1 / (1 / smppDeliver + 1 / webhook + 1 / smppSubmit), 0),
      workload: { round_trips_per_run: n, runs, smpp_window: SMPP_WINDOW, deliver_window: 500, http_concurrency: HTTP_CONCURRENCY },
      runs: { smpp_submit_per_s: submit, smpp_deliver_per_s: deliver, webhook_per_s: post },
    };
  },
};
