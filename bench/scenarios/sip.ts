// sip: call set-ups and tear-downs per second through tandem's SIP edge and its answering call actor. A sipp UAC
// calls a tandem number whose TwiML is <Pause length="1"/><Hangup/>: 1 s of ringing, then the answer and tandem's
// BYE (INVITE, 100, 180, 200, ACK, BYE, 200). The rate steps up until a step has a failed call; the figure is the
// highest rate with none, with SIP messages/s, tandem's CPU and RSS at that step.
import { join } from 'node:path';
import { sampleRss } from '../lib/procs.js';
import { round, sleep } from '../lib/stats.js';
import type { Figures, Scenario, ScenarioContext } from '../lib/scenario.js';
import { cpuMeter, runSipp, startTwimlApp, startVoiceTandem, type TwimlApp, type VoiceTandem } from './sip-lib.js';

const TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response><Pause length="1"/><Hangup/></Response>';
const TARGET_CPS = 500;
const CALL_S = 1;
/** A step counts only if sipp placed its calls at this share of the offered rate or better. */
const HOLD_SHARE = 0.9;

interface Step {
  cps: number;
  /** The rate sipp reached (its cumulative CallRate): below `cps` when sipp itself could not keep up. */
  achieved_cps?: number;
  calls: number;
  successful: number;
  failed: number;
  seconds: number;
  msgs_per_call?: number;
  sip_msgs_per_s?: number;
  retransmissions?: number;
  cpu_pct?: number;
  rss_mb: number;
  error?: string;
  /** No failed call and the offered rate reached (within HOLD_SHARE). */
  held?: boolean;
  /** A failed first try, run again. */
  retried?: boolean;
}

export const sip: Scenario = {
  name: 'sip',
  async run(ctx: ScenarioContext): Promise<Figures> {
    const rates = ctx.quick ? [250, 500, 1000, 1500] : [100, 200, 300, 400, 500, 600, 800, 1000, 1250, 1500, 1750, 2000];
    const stepSeconds = ctx.quick ? 2 : 6;
    const dir = ctx.tmpDir('sip');
    const live: { tandem?: VoiceTandem; app?: TwimlApp } = {};
    try {
      const app = (live.app = await startTwimlApp());
      app.route('/answer', TWIML);
      // RTP ports for every call ringing or up at the top rate (1 s ringing plus set-up delay under load), so the
      // ceiling found is tandem's, not its port pool's (an empty pool answers 503).
      const t = (live.tandem = await startVoiceTandem(join(dir, 'data'), Math.max(...rates) * 3));
      const number = await t.buyNumber(`${app.url}/answer`);
      ctx.log(`  tandem up; dialing ${number} at 127.0.0.1:${t.sipPort}; steps ${rates.join(', ')} CPS × ${stepSeconds} s`);

      // A few calls first: the first call of a process pays for JIT and lazy imports.
      const warm = await runSipp({ scenario: 'uac-wait-bye.xml', target: `127.0.0.1:${t.sipPort}`, number, calls: 10, rate: 10, dir, maxMs: 30_000 });
      // What a run costs beyond placing its calls and the last one's 1 s: sipp's start and exit, one answer's latency.
      const overheadS = Math.max(0, warm.elapsedMs / 1000 - 1 - CALL_S);
      await sleep(500);

      const steps: Step[] = [];
      const runStep = async (cps: number): Promise<Step> => {
        const calls = cps * stepSeconds;
        const cpu = cpuMeter(t.proc.pid);
        const rss = sampleRss(t.proc.pid, 250);
        const r = await runSipp({ scenario: 'uac-wait-bye.xml', target: `127.0.0.1:${t.sipPort}`, number, calls, rate: cps, dir, maxMs: (stepSeconds + 40) * 1000 });
        const cpuPct = cpu.stop();
        const mem = rss.stop();
        // Calls placed ÷ the time placing them took: the run's length less the last call's 1 s and the overhead.
        const achieved = calls / Math.max(0.1, r.elapsedMs / 1000 - CALL_S - overheadS);
        const msgsPerCall = r.messages !== undefined && r.successful > 0 ? r.messages / Math.max(1, r.successful + r.failed) : undefined;
        const step: Step = {
          cps,
          achieved_cps: round(achieved, 0),
          calls,
          successful: r.successful,
          failed: r.failed + Math.max(0, calls - r.successful - r.failed),
          seconds: round(r.elapsedMs / 1000, 1),
          msgs_per_call: msgsPerCall === undefined ? undefined : round(msgsPerCall, 2),
          // Messages per call × the rate reached: the signalling rate the step sustained while it ran.
          sip_msgs_per_s: msgsPerCall === undefined ? undefined : round(msgsPerCall * Math.min(cps, achieved), 0),
          retransmissions: r.retransmissions,
          cpu_pct: cpuPct === undefined ? undefined : round(cpuPct, 1),
          rss_mb: round(mem.peakMb, 1),
        };
        step.held = step.failed === 0 && (step.achieved_cps === undefined || step.achieved_cps >= HOLD_SHARE * cps);
        if (step.failed > 0) step.error = `sipp exit ${r.code}: ${r.errors.split('\n').slice(0, 4).join(' | ').slice(0, 400)}`;
        ctx.log(`  ${cps} CPS (placed at ${step.achieved_cps ?? '?'}/s): ${step.successful}/${calls} ok, ${step.failed} failed, ${step.sip_msgs_per_s ?? '?'} SIP msgs/s, ${step.retransmissions ?? '?'} retrans, tandem CPU ${step.cpu_pct ?? '?'} %, RSS ${step.rss_mb} MB${step.error ? ` — ${step.error}` : ''}`);
        // Let the last calls' BYEs and the call records settle before the next step.
        await sleep(1_500);
        return step;
      };
      for (const cps of rates) {
        let step = await runStep(cps);
        // One more try on a failure: a shared machine's burst elsewhere should not end the ramp on its own.
        if (!step.held) {
          steps.push({ ...step, retried: true });
          await sleep(2_000);
          step = await runStep(cps);
        }
        steps.push(step);
        if (!step.held) break;
      }

      const best = steps.filter((s) => s.held).at(-1);
      const reached = steps.at(-1)?.held === false;
      const tandem: Figures = {};
      if (best) {
        tandem.max_cps = best.cps;
        if (best.achieved_cps !== undefined) tandem.achieved_cps = best.achieved_cps;
        if (best.sip_msgs_per_s !== undefined) tandem.sip_msgs_per_s = best.sip_msgs_per_s;
        if (best.cpu_pct !== undefined) tandem.cpu_pct = best.cpu_pct;
        tandem.rss_mb = best.rss_mb;
        tandem.ceiling_reached = reached;
      }
      return {
        call: '<Pause length="1"/><Hangup/>: 1 s ringing, answer, tandem BYE; sipp UAC, uac-wait-bye.xml',
        achieved: 'calls ÷ (run length − the last call\'s 1 s − sipp\'s start/exit overhead from the warm-up); a step holds with no failed call and ≥ 90 % of the offered rate',
        msgs_counted: 'from sipp\'s screen (messages sent and received per call, retransmissions apart)',
        step_seconds: stepSeconds,
        target_cps: TARGET_CPS,
        tandem,
        steps,
      };
    } finally {
      await live.tandem?.stop();
      await live.app?.close();
    }
  },
};
