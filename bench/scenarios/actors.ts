// actors: 100,000 number actors (20,000 with --quick) touched, then left idle until passivated: heap before, at
// peak and after. Runs in-process against actors/registry.ts and the number behaviour (lib/actors-worker.ts, its
// own node with --expose-gc so heap figures are after a full collection), not through the API.
import { startNode } from '../lib/procs.js';
import { round } from '../lib/stats.js';
import type { Figures, Scenario, ScenarioContext } from '../lib/scenario.js';

export const actors: Scenario = {
  name: 'actors',
  async run(ctx: ScenarioContext): Promise<Figures> {
    const n = ctx.quick ? 20_000 : 100_000;
    // Longer than touching them all takes, so the peak really holds every actor at once.
    const idleMs = ctx.quick ? 5_000 : 15_000;
    const worker = startNode('actors-worker', 'bench/lib/actors-worker.ts', { ACTORS_N: String(n), ACTORS_IDLE_MS: String(idleMs), ACTORS_DIR: ctx.tmpDir('actors') }, ['--expose-gc']);
    try {
      const m = await worker.waitForLine(/^\{"actors".*\}$/m, 300_000);
      const r = JSON.parse(m[0]) as Record<string, number>;
      const fig = {
        mode: 'in-process: actors/registry.ts + actors/number behaviour on LMDB, idle passivation by the registry sweeper',
        tandem: {
          actors: r.actors,
          idle_ms: r.idle_ms,
          heap_before_mb: round(r.heap_before_mb!, 1),
          heap_peak_mb: round(r.heap_peak_mb!, 1),
          heap_after_mb: round(r.heap_after_mb!, 1),
          kb_per_active_actor: round(((r.heap_peak_mb! - r.heap_before_mb!) * 1024) / Math.max(1, r.active_at_peak!), 2),
          active_at_peak: r.active_at_peak,
          active_after: r.active_after,
          touch_per_s: round((r.actors! * 1000) / r.touch_ms!, 0),
          passivate_ms: round(r.passivate_ms!, 0),
          rss_peak_mb: round(r.rss_peak_mb!, 1),
          rss_after_mb: round(r.rss_after_mb!, 1),
        },
      };
      ctx.log(`  ${n} actors: heap ${fig.tandem.heap_before_mb} → ${fig.tandem.heap_peak_mb} → ${fig.tandem.heap_after_mb} MB (${fig.tandem.kb_per_active_actor} kB each active; ${fig.tandem.active_after} left active)`);
      return fig;
    } finally {
      await worker.stop();
    }
  },
};
