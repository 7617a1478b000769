// The headline rows: one line per figure the issues set a target for, read out of the results JSON.
import type { Figures } from './scenario.js';

export interface Row {
  scenario: string;
  figure: string;
  tandem: string;
  kannel: string;
  /** tandem ÷ Kannel, or tandem as a share of its parts' ceiling. */
  relative: string;
  target: string;
  /** undefined when there is nothing to judge (figure missing or no target). */
  ok?: boolean;
  /** For the chart: throughput bars (per s) or latency bars (ms). */
  chart?: { kind: 'rate' | 'ms'; label: string; tandem?: number; kannel?: number; ceiling?: number; ideal?: number; target?: number };
}

type J = Record<string, unknown>;
const obj = (x: unknown): J => (x && typeof x === 'object' ? (x as J) : {});
const num = (x: unknown): number | undefined => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);
const fmt = (x: number | undefined, unit = ''): string => {
  if (x === undefined) return '–';
  const s = Math.abs(x) >= 100 ? Math.round(x).toLocaleString('en-US') : String(Math.round(x * 100) / 100);
  return s + unit;
};
const pct = (x: number | undefined): string => (x === undefined ? '' : `${Math.round(x * 100)} % of ceiling`);
const all = (...xs: (boolean | undefined)[]): boolean | undefined => (xs.some((x) => x === undefined) ? undefined : xs.every(Boolean));
const skipped = (s: J): string | undefined => (typeof s.skipped === 'string' ? s.skipped : undefined);

/** A gateway's CPU per item, all threads, with its JavaScript main thread's share when measured: `394 µs (250)`. */
function withMain(all: unknown, main: unknown): string {
  const m = num(main);
  return fmt(num(all), ' µs') + (m === undefined ? '' : ` (${fmt(m)})`);
}

/** The rest of the machine's CPU for one message: `carrier + the other bench process; whole machine, cores busy`. */
function budget(side: Record<string, unknown>, unit: 'msg' | 'reply'): string {
  const other = unit === 'msg' ? num(side.client_cpu_us_per_msg) : num(side.webhook_app_cpu_us_per_reply);
  const carrier = num(side[`carrier_cpu_us_per_${unit}`]);
  const machine = num(side[`machine_cpu_us_per_${unit}`]);
  if (carrier === undefined && machine === undefined) return '–';
  return `${fmt(carrier)} + ${fmt(other)}; ${fmt(machine, ' µs')}, ${fmt(num(side.machine_busy_cores))}`;
}

export function headlineRows(scenarios: Record<string, Figures>): Row[] {
  const rows: Row[] = [];
  const ceil = obj(scenarios.ceiling);
  const outCeil = num(ceil.outbound_per_s);
  const inCeil = num(ceil.inbound_per_s);

  if (scenarios.outbound) {
    const o = obj(scenarios.outbound);
    const t = obj(o.tandem);
    const k = obj(o.kannel);
    const tr = num(t.msgs_per_s);
    const kr = num(k.msgs_per_s);
    const ratio = num(o.ratio);
    const share = tr !== undefined && outCeil ? tr / outCeil : undefined;
    if (skipped(o)) rows.push(skippedRow('outbound', skipped(o)!));
    else {
      rows.push({
        scenario: 'outbound',
        figure: 'REST → submit_sm, msgs/s',
        tandem: fmt(tr),
        kannel: kr !== undefined ? fmt(kr) : `– (${String(k.skipped ?? 'not run').slice(0, 40)})`,
        relative: [ratio !== undefined ? `${ratio}× Kannel` : '', pct(share)].filter(Boolean).join(', '),
        target: '≥ 6,000/s, ≥ 2× Kannel, ≥ 50 % of ceiling',
        ok: all(tr === undefined ? undefined : tr >= 6_000, ratio === undefined ? undefined : ratio >= 2, share === undefined ? undefined : share >= 0.5),
        chart: { kind: 'rate', label: `outbound msgs/s, ${fmt(num(obj(o.workload).concurrent_clients))} clients`, tandem: tr, kannel: kr, ceiling: outCeil },
      });
      const more = obj(o.more_clients);
      const mt = num(obj(more.tandem).msgs_per_s);
      if (mt !== undefined) {
        const mk = obj(more.kannel);
        const mkr = num(mk.msgs_per_s);
        const mratio = num(more.ratio);
        rows.push({
          scenario: 'outbound',
          figure: `the same with ${fmt(num(more.concurrent_clients))} clients, msgs/s; p50 / p99`,
          tandem: `${fmt(mt)}; ${fmt(num(obj(more.tandem).p50_ms))} / ${fmt(num(obj(more.tandem).p99_ms), ' ms')}`,
          kannel: mkr !== undefined ? `${fmt(mkr)}; ${fmt(num(mk.p50_ms))} / ${fmt(num(mk.p99_ms), ' ms')}` : `– (${String(mk.skipped ?? 'not run').slice(0, 40)})`,
          relative: [mratio !== undefined ? `${mratio}× Kannel` : '', pct(outCeil ? mt / outCeil : undefined)].filter(Boolean).join(', '),
          target: '≥ 6,000/s, ≥ 2× Kannel, ≥ 50 % of ceiling',
          ok: all(mt >= 6_000, mratio === undefined ? undefined : mratio >= 2, outCeil ? mt / outCeil >= 0.5 : undefined),
          chart: { kind: 'rate', label: `outbound msgs/s, ${fmt(num(more.concurrent_clients))} clients`, tandem: mt, kannel: mkr, ceiling: outCeil },
        });
      }
      const cb = obj(o.with_callbacks);
      const ct = obj(cb.tandem);
      const ctr = num(ct.msgs_per_s);
      if (ctr !== undefined) {
        const ck = obj(cb.kannel);
        const ckr = num(ck.msgs_per_s);
        const cratio = num(cb.ratio);
        const perMsg = (side: Record<string, unknown>): string =>
          `${fmt(num(side.msgs_per_s))}; ${fmt(num(side.callbacks_per_msg))} callbacks/msg, ${fmt(num(side.cpu_us_per_msg), ' µs')}`;
        rows.push({
          scenario: 'outbound',
          figure: `with status callbacks (tandem StatusCallback; Kannel dlr-mask 27 + dlr-url), ${fmt(num(cb.concurrent_clients))} clients: msgs/s; callbacks; CPU per msg`,
          tandem: perMsg(ct),
          kannel: ckr !== undefined ? perMsg(ck) : `– (${String(ck.skipped ?? 'not run').slice(0, 40)})`,
          relative: cratio !== undefined ? `${cratio}× Kannel` : '',
          target: '',
        });
      }
      rows.push({ scenario: 'outbound', figure: 'request → submit_sm p50 / p99', tandem: `${fmt(num(t.p50_ms))} / ${fmt(num(t.p99_ms), ' ms')}`, kannel: kr !== undefined ? `${fmt(num(k.p50_ms))} / ${fmt(num(k.p99_ms), ' ms')}` : '–', relative: '', target: '' });
      rows.push({ scenario: 'outbound', figure: 'CPU per message, all threads (main thread)', tandem: withMain(t.cpu_us_per_msg, t.main_thread_cpu_us_per_msg), kannel: kr !== undefined ? fmt(num(k.cpu_us_per_msg), ' µs') : '–', relative: '', target: '' });
      rows.push({ scenario: 'outbound', figure: 'CPU per message: carrier + load generator; machine, cores busy', tandem: budget(t, 'msg'), kannel: kr !== undefined ? budget(k, 'msg') : '–', relative: '', target: '' });
      if (num(t.cold_msgs_per_s) !== undefined) {
        rows.push({ scenario: 'outbound', figure: 'cold start (first messages), msgs/s', tandem: fmt(num(t.cold_msgs_per_s)), kannel: kr !== undefined ? fmt(num(k.cold_msgs_per_s)) : '–', relative: '', target: '' });
      }
      rows.push({ scenario: 'outbound', figure: 'RSS peak', tandem: fmt(num(t.rss_mb), ' MB'), kannel: kr !== undefined ? fmt(num(k.rss_mb), ' MB') : '–', relative: '', target: '' });
    }
  }

  if (scenarios.inbound) {
    const i = obj(scenarios.inbound);
    const t = obj(i.tandem);
    const k = obj(i.kannel);
    if (skipped(i) || skipped(t)) rows.push(skippedRow('inbound', skipped(i) ?? skipped(t)!));
    else {
      const tr = num(t.replies_per_s);
      const kr = num(k.replies_per_s);
      const ratio = num(i.ratio);
      const share = tr !== undefined && inCeil ? tr / inCeil : undefined;
      rows.push({
        scenario: 'inbound',
        figure: 'MO → webhook → reply, flat out, replies/s',
        tandem: fmt(tr),
        kannel: kr !== undefined ? fmt(kr) : '–',
        relative: [ratio !== undefined ? `${ratio}× Kannel` : '', pct(share)].filter(Boolean).join(', '),
        target: '≥ 5,000/s, ≥ 2× Kannel, ≥ 50 % of ceiling',
        ok: all(tr === undefined ? undefined : tr >= 5_000, ratio === undefined ? undefined : ratio >= 2, share === undefined ? undefined : share >= 0.5),
        chart: { kind: 'rate', label: 'inbound replies/s, flat out', tandem: tr, kannel: kr, ceiling: inCeil },
      });
      const tp = num(t.p99_ms_at_1000);
      const kp = num(k.p99_ms_at_1000);
      rows.push({
        scenario: 'inbound',
        figure: 'MO → reply p99 at 1,000 MO/s',
        tandem: fmt(tp, ' ms'),
        kannel: fmt(kp, ' ms'),
        relative: tp !== undefined && kp ? `${Math.round((tp / kp) * 100) / 100}× Kannel` : '',
        target: '≤ 20 ms, ≤ 1/3 of Kannel',
        ok: all(tp === undefined ? undefined : tp <= 20, tp === undefined || kp === undefined ? undefined : tp <= kp / 3),
        chart: { kind: 'ms', label: 'inbound MO→reply p99 at 1,000/s', tandem: tp, kannel: kp, target: 20 },
      });
      const split = (x: Record<string, unknown>): string =>
        num(x.p99_ms_to_webhook_at_1000) === undefined
          ? '–'
          : `${fmt(num(x.p50_ms_to_webhook_at_1000))} / ${fmt(num(x.p99_ms_to_webhook_at_1000))} + ${fmt(num(x.p50_ms_webhook_to_reply_at_1000))} / ${fmt(num(x.p99_ms_webhook_to_reply_at_1000), ' ms')}`;
      rows.push({ scenario: 'inbound', figure: 'at 1,000/s, p50 / p99: MO → webhook + webhook → reply', tandem: split(t), kannel: split(k), relative: '', target: '' });
      rows.push({ scenario: 'inbound', figure: 'CPU per reply, flat out, all threads (main thread)', tandem: withMain(t.cpu_us_per_reply, t.main_thread_cpu_us_per_reply), kannel: fmt(num(k.cpu_us_per_reply), ' µs'), relative: '', target: '' });
      rows.push({ scenario: 'inbound', figure: 'CPU per reply: carrier + webhook app; machine, cores busy', tandem: budget(t, 'reply'), kannel: budget(k, 'reply'), relative: '', target: '' });
      const tc = num(t.cold_p99_ms);
      if (tc !== undefined) {
        rows.push({
          scenario: 'inbound',
          figure: 'cold start (first MO, flat out): replies/s, p99',
          tandem: `${fmt(num(t.cold_replies_per_s))}, ${fmt(tc, ' ms')}`,
          kannel: `${fmt(num(k.cold_replies_per_s))}, ${fmt(num(k.cold_p99_ms), ' ms')}`,
          relative: '',
          target: '',
        });
      }
      rows.push({ scenario: 'inbound', figure: 'RSS peak', tandem: fmt(num(t.rss_mb), ' MB'), kannel: fmt(num(k.rss_mb), ' MB'), relative: '', target: '' });
    }
  }

  if (scenarios.pacing) {
    const p = obj(scenarios.pacing);
    const t = obj(p.tandem);
    if (skipped(p)) rows.push(skippedRow('pacing', skipped(p)!));
    else {
      const r = num(t.rate_vs_ideal);
      const m = num(t.max_per_sender_per_s);
      rows.push({ scenario: 'pacing', figure: `${fmt(num(obj(p.workload).senders))} long codes: rate vs ideal`, tandem: fmt(r), kannel: '', relative: `${fmt(num(t.aggregate_per_s))}/s of ${fmt(num(t.ideal_per_s))}/s`, target: '≥ 0.98', ok: r === undefined ? undefined : r >= 0.98, chart: { kind: 'rate', label: `pacing, ${fmt(num(obj(p.workload).senders))} long codes`, tandem: num(t.aggregate_per_s), ideal: num(t.ideal_per_s) } });
      rows.push({ scenario: 'pacing', figure: 'max per sender in any 1 s', tandem: fmt(m), kannel: '', relative: '', target: '= 1', ok: m === undefined ? undefined : m === 1 });
    }
  }

  if (scenarios.numbers) {
    const n = obj(scenarios.numbers);
    const t = obj(n.tandem);
    if (skipped(n)) rows.push(skippedRow('numbers', skipped(n)!));
    else {
      const inv = fmt(num(n.inventory));
      const a = obj(t.area_code_search);
      const c = obj(t.contains_search);
      rows.push({ scenario: 'numbers', figure: `AreaCode search p50 / p99 (${inv} numbers)`, tandem: `${fmt(num(a.p50_ms))} / ${fmt(num(a.p99_ms), ' ms')}`, kannel: '', relative: '', target: 'p99 < 10 ms', ok: num(a.p99_ms) === undefined ? undefined : num(a.p99_ms)! < 10, chart: { kind: 'ms', label: `AreaCode search p99 (${inv})`, tandem: num(a.p99_ms), target: 10 } });
      rows.push({ scenario: 'numbers', figure: 'Contains search p50 / p99', tandem: `${fmt(num(c.p50_ms))} / ${fmt(num(c.p99_ms), ' ms')}`, kannel: '', relative: '', target: 'p99 < 10 ms', ok: num(c.p99_ms) === undefined ? undefined : num(c.p99_ms)! < 10, chart: { kind: 'ms', label: `Contains search p99 (${inv})`, tandem: num(c.p99_ms), target: 10 } });
      rows.push({ scenario: 'numbers', figure: 'buy + release, pairs/s', tandem: fmt(num(t.buy_release_per_s)), kannel: '', relative: '', target: '' });
      const s = num(t.startup_ms);
      rows.push({ scenario: 'numbers', figure: 'start-up to /healthz (existing data)', tandem: fmt(s, ' ms'), kannel: '', relative: '', target: '< 2,000 ms', ok: s === undefined ? undefined : s < 2_000, chart: { kind: 'ms', label: 'start-up to /healthz', tandem: s, target: 2_000 } });
      rows.push({ scenario: 'numbers', figure: 'RSS after searches', tandem: fmt(num(t.rss_mb), ' MB'), kannel: '', relative: '', target: '' });
    }
  }

  if (scenarios.actors) {
    const a = obj(scenarios.actors);
    if (skipped(a)) rows.push(skippedRow('actors', skipped(a)!));
    else {
      const t = obj(a.tandem);
      const before = num(t.heap_before_mb);
      const after = num(t.heap_after_mb);
      const peak = num(t.heap_peak_mb);
      const back = before !== undefined && after !== undefined && peak !== undefined && peak > before ? (after - before) / (peak - before) : undefined;
      rows.push({
        scenario: 'actors',
        figure: `${fmt(num(t.actors))} actors: heap before / peak / after`,
        tandem: `${fmt(before)} / ${fmt(peak)} / ${fmt(after, ' MB')}`,
        kannel: '',
        relative: back === undefined ? '' : `${Math.round(back * 100)} % of the growth left`,
        target: 'idle back to ≈ before (≤ 10 % of growth)',
        ok: back === undefined ? undefined : back <= 0.1,
      });
    }
  }

  if (scenarios.sip) {
    const sp = obj(scenarios.sip);
    const t = obj(sp.tandem);
    if (skipped(sp) || skipped(t)) rows.push(skippedRow('sip', skipped(sp) ?? skipped(t)!));
    else {
      const cps = num(t.max_cps);
      const target = num(sp.target_cps);
      rows.push({
        scenario: 'sip',
        figure: 'call set-ups/s with no failed call',
        tandem: fmt(cps),
        kannel: '',
        relative: [num(t.sip_msgs_per_s) !== undefined ? `${fmt(num(t.sip_msgs_per_s))} SIP msgs/s` : '', num(t.cpu_pct) !== undefined ? `CPU ${fmt(num(t.cpu_pct))} %` : ''].filter(Boolean).join(', '),
        target: target === undefined ? '' : `≥ ${fmt(target)}`,
        ok: cps === undefined || target === undefined ? undefined : cps >= target,
        chart: { kind: 'rate', label: 'SIP calls/s, no failure', tandem: cps, target },
      });
    }
  }

  if (scenarios.voice) {
    const v = obj(scenarios.voice);
    const t = obj(v.tandem);
    if (skipped(v) || skipped(t)) rows.push(skippedRow('voice', skipped(v) ?? skipped(t)!));
    else {
      const calls = num(t.max_calls_without_loss);
      const target = num(v.target_calls);
      rows.push({
        scenario: 'voice',
        figure: 'concurrent G.711 calls without loss',
        tandem: fmt(calls),
        kannel: '',
        relative: num(t.jitter_p99_ms_at_max_without_loss) !== undefined ? `jitter p99 ${fmt(num(t.jitter_p99_ms_at_max_without_loss))} ms there` : '',
        target: target === undefined ? '' : `≥ ${fmt(target)}`,
        ok: calls === undefined || target === undefined ? undefined : calls >= target,
      });
      if (num(t.say_hangup_cps) !== undefined) rows.push({ scenario: 'voice', figure: '<Say><Hangup/> calls/s', tandem: fmt(num(t.say_hangup_cps)), kannel: '', relative: '', target: '' });
    }
  }

  if (scenarios.ceiling) {
    if (skipped(ceil)) rows.push(skippedRow('ceiling', skipped(ceil)!));
    else {
      rows.push({ scenario: 'ceiling', figure: 'node-smpp submit_sm (window 100) /s', tandem: fmt(num(ceil.smpp_submit_per_s)), kannel: '', relative: '', target: '' });
      rows.push({ scenario: 'ceiling', figure: 'node-smpp deliver_sm (window 500) /s', tandem: fmt(num(ceil.smpp_deliver_per_s)), kannel: '', relative: '', target: '' });
      rows.push({ scenario: 'ceiling', figure: 'undici → fastify form POST (64) /s', tandem: fmt(num(ceil.webhook_per_s)), kannel: '', relative: '', target: '' });
      rows.push({ scenario: 'ceiling', figure: 'combined: outbound / inbound per s', tandem: `${fmt(outCeil)} / ${fmt(inCeil)}`, kannel: '', relative: '', target: '' });
    }
  }
  return rows;
}

function skippedRow(scenario: string, why: string): Row {
  return { scenario, figure: 'skipped', tandem: '–', kannel: '', relative: why.slice(0, 80), target: '' };
}

/** A Markdown table (also readable in a terminal). */
export function renderTable(rows: Row[]): string {
  const head = ['scenario', 'figure', 'tandem', 'Kannel', 'relative', 'target', 'met'];
  const body = rows.map((r) => [r.scenario, r.figure, r.tandem, r.kannel, r.relative, r.target, r.ok === undefined ? '' : r.ok ? 'yes' : 'NO']);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string => '| ' + cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' |';
  return [line(head), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...body.map(line)].join('\n');
}
