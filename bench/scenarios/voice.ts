// voice: concurrent calls with media. sipp places the calls (signalling only); each call's SDP points at one of the
// bench's own UDP sockets (a worker thread), which streams μ-law to tandem every 20 ms as the caller would and
// records the arrival time and sequence number of every RTP packet tandem sends while it plays a long WAV
// (<Play loop="0">). Concurrency steps up; each step holds every call up through a measuring window and reports
// tandem's RTP pacing jitter (|inter-arrival − 20 ms|, p99 over all streams), lost packets, CPU and RSS per call.
// The figure is the most concurrent calls with jitter p99 < 5 ms and no loss. Then, as in the sip scenario, the
// highest rate of <Say>Hello</Say><Hangup/> calls with no failed call.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import alawmulaw from 'alawmulaw';
import { tone, writeWav } from '../../protocols/rtp/index.js';
import { memoryOf, sampleRss } from '../lib/procs.js';
import { round, sleep } from '../lib/stats.js';
import type { Figures, Scenario, ScenarioContext } from '../lib/scenario.js';
import { cpuMeter, RtpSinks, runSipp, scrapeMs, startTwimlApp, startVoiceTandem, type SippRun, type TwimlApp, type VoiceTandem } from './sip-lib.js';

const JITTER_LIMIT_MS = 5;
const TARGET_CALLS = 1_000;
/** Calls per second while a step's calls are being set up. */
const RAMP_CPS = 200;
/** From the last call's set-up to the window: every stream playing, set-up load over. */
const SETTLE_MS = 2_000;
/** Since-the-last-scrape figures read around each window. */
const LAG_METRICS = ['tandem_nodejs_eventloop_lag_p99_seconds', 'tandem_media_tick_late_p99_seconds'];

interface MediaStep {
  calls: number;
  answered_streams: number;
  packets: number;
  /** Packets received ÷ 50 per second per stream over the window: below 1 when tandem skipped frames after a stall. */
  rate_vs_ideal: number;
  lost: number;
  jitter_p50_ms: number;
  jitter_p99_ms: number;
  jitter_max_ms: number;
  caller_packets_sent: number;
  receiver_lag_p99_ms: number;
  /** tandem's main event-loop delay p99 over the window (its /metrics): SIP, webhooks, API. */
  tandem_loop_lag_p99_ms?: number;
  /** How late tandem's media clocks ticked, p99 (worst worker and second) over the window: pacing before the network. */
  tandem_tick_late_p99_ms?: number;
  rfc3550_jitter_p99_ms: number;
  rfc3550_jitter_max_ms: number;
  failed_calls: number;
  cpu_pct?: number;
  cpu_pct_per_call?: number;
  rss_mb: number;
  rss_mb_per_call?: number;
  ok: boolean;
  error?: string;
  /** A missed first try, run again. */
  retried?: boolean;
}

interface RateStep { cps: number; achieved_cps: number; calls: number; successful: number; failed: number; held: boolean; cpu_pct?: number; error?: string }

const xml = (body: string): string => `<?xml version="1.0" encoding="UTF-8"?><Response>${body}</Response>`;
const finite = (x: number): number | undefined => (Number.isFinite(x) ? x : undefined);

export const voice: Scenario = {
  name: 'voice',
  async run(ctx: ScenarioContext): Promise<Figures> {
    // BENCH_VOICE_LEVELS=400,800,1000: other concurrency steps (to probe a ceiling without the whole ramp).
    const levels = process.env.BENCH_VOICE_LEVELS
      ? process.env.BENCH_VOICE_LEVELS.split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0)
      : ctx.quick ? [100, 400] : [50, 100, 200, 400, 600, 800, 1000, 1200, 1500];
    const windowMs = ctx.quick ? 3_000 : 10_000;
    const sayRates = ctx.quick ? [200, 500] : [50, 100, 200, 300, 400, 600, 800];
    const sayStepSeconds = ctx.quick ? 2 : 5;
    const dir = ctx.tmpDir('voice');
    // BENCH_VOICE_CALLER_AUDIO=0: the callers only listen (halves the receiving worker's load on a small machine).
    const callerAudio = process.env.BENCH_VOICE_CALLER_AUDIO !== '0';
    const live: { tandem?: VoiceTandem; app?: TwimlApp; sinks?: RtpSinks } = {};
    try {
      const app = (live.app = await startTwimlApp());
      // 10 s of a 440 Hz tone as 16-bit PCM, looped for as long as the call lasts.
      app.route('/long.wav', writeWav(tone([440], 10_000, 0.3)), 'audio/wav');
      app.route('/play', xml(`<Play loop="0">${app.url}/long.wav</Play>`));
      app.route('/say', xml('<Say>Hello</Say><Hangup/>'));
      const t = (live.tandem = await startVoiceTandem(join(dir, 'data'), Math.max(...levels) + 200));
      const playNumber = await t.buyNumber(`${app.url}/play`);
      const sayNumber = await t.buyNumber(`${app.url}/say`);
      const target = `127.0.0.1:${t.sipPort}`;
      // The caller's voice: one 20 ms μ-law frame of a 300 Hz tone, sent over and over.
      const frame = Buffer.from(alawmulaw.mulaw.encode(tone([300], 20, 0.2)));
      const sinks = (live.sinks = RtpSinks.start(callerAudio ? frame : null));

      // Warm-up: JIT, the WAV fetch into tandem's audio cache, espeak's first "Hello" into its TTS cache.
      const warm = await sinks.open(10);
      const inj = join(dir, 'warm.csv');
      writeFileSync(inj, 'SEQUENTIAL\n' + warm.map((p) => `${p};`).join('\n') + '\n');
      await runSipp({ scenario: 'uac-hold.xml', vars: { MEDIA_PORT: '[field0]' }, target, number: playNumber, calls: 10, rate: 10, holdMs: 1_000, injection: inj, dir, maxMs: 30_000 });
      const warmSay = await runSipp({ scenario: 'uac-wait-bye.xml', target, number: sayNumber, calls: 5, rate: 5, dir, maxMs: 30_000 });
      // A run's length beyond placing its calls: sipp's start and exit and one <Say>Hello</Say> call.
      const sayOverheadS = Math.max(0, warmSay.elapsedMs / 1000 - 1);
      await sinks.closeAll();
      await sleep(1_000);
      const baseRss = memoryOf(t.proc.pid)?.rssMb ?? NaN;
      ctx.log(`  tandem up (RSS ${round(baseRss, 0)} MB after warm-up); concurrency steps ${levels.join(', ')}, ${windowMs / 1000} s window each`);

      const steps: MediaStep[] = [];
      const runLevel = async (n: number): Promise<MediaStep> => {
        const ports = await sinks.open(n);
        const injection = join(dir, `ports-${n}.csv`);
        writeFileSync(injection, 'SEQUENTIAL\n' + ports.map((p) => `${p};`).join('\n') + '\n');
        const rampMs = (n / RAMP_CPS) * 1000;
        const holdMs = Math.ceil(rampMs + SETTLE_MS + windowMs + 2_000);
        const sipp = runSipp({
          scenario: 'uac-hold.xml', vars: { MEDIA_PORT: '[field0]' }, target, number: playNumber,
          calls: n, limit: n, rate: RAMP_CPS, holdMs, injection, dir, maxMs: holdMs + rampMs + 40_000,
        });
        // Every call's stream heard, or the set-up time plus slack gone by.
        const heardBy = Date.now() + rampMs + 10_000;
        while ((await sinks.heard()) < n && Date.now() < heardBy) await sleep(200);
        await sleep(SETTLE_MS);
        await scrapeMs(t, LAG_METRICS);
        await sinks.mark();
        const cpu = cpuMeter(t.proc.pid);
        const rss = sampleRss(t.proc.pid, 250);
        await sleep(windowMs);
        const stats = await sinks.read();
        const [loopLag, tickLate] = await scrapeMs(t, LAG_METRICS);
        const cpuPct = cpu.stop();
        const mem = rss.stop();
        const r: SippRun = await sipp;
        await sinks.closeAll();
        const failed = r.failed + Math.max(0, n - r.successful - r.failed);
        const jitterP99 = finite(stats.jitterP99Ms) ?? Infinity;
        const rateVsIdeal = stats.streams > 0 ? stats.packets / ((stats.streams * stats.windowMs) / 20) : 0;
        // Frames tandem skipped are lost audio as much as packets lost on the way: 1 % slack covers the window's edges.
        const ok = failed === 0 && stats.streams >= n && stats.lost === 0 && rateVsIdeal >= 0.99 && jitterP99 < JITTER_LIMIT_MS;
        const step: MediaStep = {
          calls: n,
          answered_streams: stats.streams,
          packets: stats.packets,
          rate_vs_ideal: round(rateVsIdeal, 3),
          lost: stats.lost,
          jitter_p50_ms: round(stats.jitterP50Ms, 2),
          jitter_p99_ms: round(stats.jitterP99Ms, 2),
          jitter_max_ms: round(stats.jitterMaxMs, 2),
          caller_packets_sent: stats.sent,
          receiver_lag_p99_ms: round(stats.receiverLagP99Ms, 2),
          tandem_loop_lag_p99_ms: loopLag === undefined ? undefined : round(loopLag, 1),
          tandem_tick_late_p99_ms: tickLate === undefined ? undefined : round(tickLate, 2),
          rfc3550_jitter_p99_ms: round(stats.rfc3550P99Ms, 2),
          rfc3550_jitter_max_ms: round(stats.rfc3550MaxMs, 2),
          failed_calls: failed,
          cpu_pct: cpuPct === undefined ? undefined : round(cpuPct, 1),
          cpu_pct_per_call: cpuPct === undefined ? undefined : round(cpuPct / n, 3),
          rss_mb: round(mem.peakMb, 1),
          rss_mb_per_call: Number.isFinite(baseRss) ? round((mem.peakMb - baseRss) / n, 3) : undefined,
          ok,
        };
        if (failed > 0) step.error = `sipp exit ${r.code}: ${r.errors.split('\n').slice(0, 3).join(' | ').slice(0, 300)}`;
        ctx.log(
          `  ${n} calls: ${stats.streams} streams, ${stats.packets} pkts (${step.rate_vs_ideal} of ideal), ${stats.lost} lost, jitter p50 ${step.jitter_p50_ms} / p99 ${step.jitter_p99_ms} / max ${step.jitter_max_ms} ms (RFC 3550 J p99 ${step.rfc3550_jitter_p99_ms} ms; receiver's own lag p99 ${step.receiver_lag_p99_ms} ms; tandem's loop lag p99 ${step.tandem_loop_lag_p99_ms ?? '?'} ms, media tick lateness p99 ${step.tandem_tick_late_p99_ms ?? '?'} ms), ` +
            `${failed} failed calls, tandem CPU ${step.cpu_pct ?? '?'} % (${step.cpu_pct_per_call ?? '?'} %/call), RSS ${step.rss_mb} MB${ok ? '' : ' ✗'}${step.error ? ` — ${step.error}` : ''}`,
        );
        await sleep(2_000);
        return step;
      };
      for (const n of levels) {
        let step = await runLevel(n);
        // One more try on a miss: a burst of load elsewhere on a shared machine should not decide the level alone.
        if (!step.ok && !ctx.quick) {
          steps.push({ ...step, retried: true });
          step = await runLevel(n);
        }
        steps.push(step);
        // Jitter over the limit alone does not end the ramp (the next levels still show how it grows);
        // lost packets, silent streams or failed calls do.
        if (step.failed_calls > 0 || step.lost > 0 || step.rate_vs_ideal < 0.9 || step.answered_streams < n) break;
      }

      const rates: RateStep[] = [];
      for (const cps of sayRates) {
        const calls = cps * sayStepSeconds;
        const cpu = cpuMeter(t.proc.pid);
        const r = await runSipp({ scenario: 'uac-wait-bye.xml', target, number: sayNumber, calls, rate: cps, dir, maxMs: (sayStepSeconds + 40) * 1000 });
        const cpuPct = cpu.stop();
        const failed = r.failed + Math.max(0, calls - r.successful - r.failed);
        const achieved = calls / Math.max(0.1, r.elapsedMs / 1000 - sayOverheadS);
        // A step holds with no failed call and the calls placed at 90 % of the offered rate or better.
        const held = failed === 0 && achieved >= 0.9 * cps;
        const step: RateStep = { cps, achieved_cps: round(achieved, 0), calls, successful: r.successful, failed, held, cpu_pct: cpuPct === undefined ? undefined : round(cpuPct, 1) };
        if (failed > 0) step.error = `sipp exit ${r.code}: ${r.errors.split('\n').slice(0, 3).join(' | ').slice(0, 300)}`;
        rates.push(step);
        ctx.log(`  <Say>Hello</Say><Hangup/> at ${cps} CPS (placed at ${step.achieved_cps}/s): ${r.successful}/${calls} ok, ${failed} failed, tandem CPU ${step.cpu_pct ?? '?'} %${step.error ? ` — ${step.error}` : ''}`);
        if (!held) break;
        await sleep(1_500);
      }

      const receiverRaised = (await sinks.read()).receiverRaised;
      const best = steps.filter((s) => s.ok).at(-1);
      const lossless = steps.filter((s) => s.failed_calls === 0 && s.lost === 0 && s.rate_vs_ideal >= 0.99 && s.answered_streams >= s.calls).at(-1);
      const bestSay = rates.filter((s) => s.held).at(-1);
      const tandem: Figures = {};
      if (best) {
        tandem.max_concurrent_calls = best.calls;
        tandem.jitter_p99_ms = best.jitter_p99_ms;
        tandem.rfc3550_jitter_p99_ms = best.rfc3550_jitter_p99_ms;
        tandem.receiver_lag_p99_ms = best.receiver_lag_p99_ms;
      }
      // With jitter set aside: how many calls tandem carried with every packet delivered, and its cost per call there.
      if (lossless) {
        tandem.max_calls_without_loss = lossless.calls;
        tandem.jitter_p99_ms_at_max_without_loss = lossless.jitter_p99_ms;
        tandem.rfc3550_jitter_p99_ms_at_max_without_loss = lossless.rfc3550_jitter_p99_ms;
      }
      const costAt = best && lossless && lossless.calls > best.calls ? lossless : (best ?? lossless);
      if (costAt) {
        if (costAt.cpu_pct_per_call !== undefined) tandem.cpu_pct_per_call = costAt.cpu_pct_per_call;
        if (costAt.rss_mb_per_call !== undefined) tandem.rss_mb_per_call = costAt.rss_mb_per_call;
        tandem.per_call_cost_at_calls = costAt.calls;
        if (costAt.cpu_pct !== undefined) tandem.cpu_pct = costAt.cpu_pct;
        tandem.rss_mb = costAt.rss_mb;
      }
      if (steps.length) tandem.ceiling_reached = steps.at(-1)?.ok === false;
      if (bestSay) tandem.say_hangup_cps = bestSay.cps;
      return {
        media: callerAudio
          ? 'G.711 μ-law both ways: tandem plays a looped 10 s WAV (<Play loop="0">), each caller streams 20 ms frames back'
          : 'G.711 μ-law from tandem: a looped 10 s WAV (<Play loop="0">); callers only listen (BENCH_VOICE_CALLER_AUDIO=0)',
        caller_audio: callerAudio,
        receiver_priority_raised: receiverRaised,
        jitter: `|inter-arrival − 20 ms| per packet (sequence gaps spread over the gap) at the bench's receiving sockets (a worker thread), p99 over every stream in a ${windowMs / 1000} s window with every call up; limit ${JITTER_LIMIT_MS} ms, no sequence gaps and ≥ 99 % of the ideal 50 packets/s per stream`,
        ramp_cps: RAMP_CPS,
        target_calls: TARGET_CALLS,
        tandem,
        steps,
        say_hangup_steps: rates,
      };
    } finally {
      await live.sinks?.stop();
      await live.tandem?.stop();
      await live.app?.close();
    }
  },
};
