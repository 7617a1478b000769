// npm run bench [-- --quick] [-- --only outbound,pacing]
// Runs the scenarios one after another, prints a table, writes bench/results/latest.json (+ a dated copy) and
// bench/results/latest.svg (and full.json/full.svg after a complete full-length run). Every process a scenario
// starts is stopped when it ends, fails, or on Ctrl-C.
import { cpus } from 'node:os';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { closeHttp } from './lib/http.js';
import { ensureKannel } from './lib/kannel.js';
import { stopAll } from './lib/procs.js';
import { TempDirs, type Figures, type Scenario, type ScenarioContext } from './lib/scenario.js';
import { headlineRows, renderTable } from './lib/report.js';
import { renderSvg } from './lib/svg.js';
import { ceiling } from './scenarios/ceiling.js';
import { outbound } from './scenarios/outbound.js';
import { inbound } from './scenarios/inbound.js';
import { pacing } from './scenarios/pacing.js';
import { numbers } from './scenarios/numbers.js';
import { actors } from './scenarios/actors.js';
import { sip } from './scenarios/sip.js';
import { voice } from './scenarios/voice.js';

// ceiling first: every tandem figure is read against it.
const ALL: Scenario[] = [ceiling, outbound, inbound, pacing, numbers, actors, sip, voice];
const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));

function parseArgs(argv: string[]): { quick: boolean; only: Set<string> | null; render: boolean } {
  let quick = false;
  let render = false;
  let only: Set<string> | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') quick = true;
    else if (a === '--render') render = true;
    else if (a === '--only' || a.startsWith('--only=')) {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      only = new Set((v ?? '').split(',').map((s) => s.trim()).filter(Boolean));
    } else if (a === '--help' || a === '-h') {
      console.log(`usage: npm run bench [-- --quick] [-- --only ${ALL.map((s) => s.name).join(',')}]\n       npm run bench -- --render   (table and SVG again from results/latest.json, nothing run)`);
      process.exit(0);
    } else {
      console.error(`unknown argument ${a}`);
      process.exit(2);
    }
  }
  if (only) {
    const unknown = [...only].filter((n) => !ALL.some((s) => s.name === n));
    if (unknown.length) {
      console.error(`unknown scenario(s): ${unknown.join(', ')}; known: ${ALL.map((s) => s.name).join(', ')}`);
      process.exit(2);
    }
  }
  return { quick, only, render };
}

const args = parseArgs(process.argv.slice(2));
if (args.render) {
  const saved = JSON.parse(readFileSync(join(RESULTS, 'latest.json'), 'utf8')) as { date: string; quick: boolean; machine: Figures; scenarios: Record<string, Figures> };
  const rows = headlineRows(saved.scenarios);
  console.log(renderTable(rows));
  writeFileSync(join(RESULTS, 'latest.svg'), renderSvg(rows, saved));
  console.log('wrote bench/results/latest.svg');
  process.exit(0);
}
const temp = new TempDirs();
let interrupted = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (interrupted) return;
    interrupted = true;
    console.error(`\n${sig}: stopping every process this run started…`);
    void stopAll().finally(() => {
      temp.removeAll();
      process.exit(130);
    });
  });
}

const log = (m: string): void => console.log(m);
const wanted = ALL.filter((s) => !args.only || args.only.has(s.name));
const needsKannel = wanted.some((s) => s.name === 'outbound' || s.name === 'inbound');
// BENCH_SKIP_KANNEL=1: tandem only, for A/B experiments on tandem itself (half the time per run).
const kannel: ScenarioContext['kannel'] = process.env.BENCH_SKIP_KANNEL
  ? { ok: false, reason: 'BENCH_SKIP_KANNEL is set' }
  : needsKannel
    ? ensureKannel(log)
    : { ok: false, reason: 'not needed by the selected scenarios' };
if (needsKannel) log(kannel.ok ? `kannel: ${kannel.note}` : `kannel: unavailable (${kannel.reason}); tandem-only figures`);

const cpuList = cpus();
const results: { machine: Figures; date: string; quick: boolean; command: string; scenarios: Record<string, Figures> } = {
  machine: { cpus: cpuList.length, model: cpuList[0]?.model ?? 'unknown', node: process.version, platform: `${process.platform} ${process.arch}` },
  date: new Date().toISOString(),
  quick: args.quick,
  command: `npm run bench${args.quick || args.only ? ' --' : ''}${args.quick ? ' --quick' : ''}${args.only ? ` --only ${[...args.only].join(',')}` : ''}`,
  scenarios: {},
};

const t0 = Date.now();
for (const s of wanted) {
  if (interrupted) break;
  log(`\n▶ ${s.name}${args.quick ? ' (quick)' : ''}`);
  const started = Date.now();
  const ctx: ScenarioContext = { quick: args.quick, log, tmpDir: (p) => temp.make(p), kannel };
  try {
    const fig = await s.run(ctx);
    fig.seconds = Math.round((Date.now() - started) / 100) / 10;
    results.scenarios[s.name] = fig;
  } catch (e) {
    const msg = e instanceof Error ? (e.stack ?? e.message) : String(e);
    log(`  ${s.name} failed: ${msg.slice(0, 2000)}`);
    results.scenarios[s.name] = { skipped: `failed: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 300)}` };
  } finally {
    await stopAll();
    temp.removeAll();
  }
  log(`  (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}
if (!interrupted) {
  const rows = headlineRows(results.scenarios);
  log(`\n${renderTable(rows)}\n`);
  log(`total ${((Date.now() - t0) / 1000).toFixed(0)} s on ${results.machine.cpus} × ${String(results.machine.model)}, node ${process.version}${args.quick ? ', --quick' : ''}`);
  mkdirSync(RESULTS, { recursive: true });
  const json = JSON.stringify(results, null, 2) + '\n';
  writeFileSync(join(RESULTS, 'latest.json'), json);
  writeFileSync(join(RESULTS, `${results.date.replace(/[:.]/g, '-')}${args.quick ? '-quick' : ''}.json`), json);
  const svg = renderSvg(rows, results);
  writeFileSync(join(RESULTS, 'latest.svg'), svg);
  log(`wrote bench/results/latest.json, bench/results/latest.svg`);
  // A complete full-length run is also kept as full.json/full.svg: the figures the top-level README quotes.
  if (!args.quick && !args.only) {
    writeFileSync(join(RESULTS, 'full.json'), json);
    writeFileSync(join(RESULTS, 'full.svg'), svg);
    log(`wrote bench/results/full.json, bench/results/full.svg`);
  }
}
await closeHttp();
process.exit(0);
