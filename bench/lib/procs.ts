// Child processes the bench starts: every one is tracked so a scenario's end, an error or Ctrl-C stops exactly
// the processes this run started (by pid), never anything else on the machine.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Proc {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  output(): string;
  /** Resolves with the first stdout line matching `re` (throws if the process exits first or `ms` passes). */
  waitForLine(re: RegExp, ms: number): Promise<RegExpExecArray>;
  readonly exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<Proc>();
const OUTPUT_CAP = 200_000;

export function startProcess(name: string, cmd: string, args: string[], opts: SpawnOptions = {}): Proc {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  if (child.pid === undefined) throw new Error(`${name}: could not start ${cmd}`);
  let out = '';
  // BENCH_PROC_LOG=<dir>: each process's whole output also goes to <dir>/<name>-<pid>.log (e.g. for --trace-gc).
  const logFile = process.env.BENCH_PROC_LOG ? join(process.env.BENCH_PROC_LOG, `${name}-${child.pid}.log`) : undefined;
  const keep = (d: Buffer): void => {
    if (logFile) appendFileSync(logFile, d);
    out += d.toString();
    // Bounded: a chatty process must not grow the bench's heap during a long run.
    if (out.length > OUTPUT_CAP) out = out.slice(-OUTPUT_CAP / 2);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code, sig) => resolve(code ?? (sig ? -1 : null))));
  const proc: Proc = {
    name,
    pid: child.pid,
    child,
    output: () => out,
    exited,
    waitForLine(re, ms) {
      return new Promise((resolve, reject) => {
        let buf = '';
        const timer = setTimeout(() => done(new Error(`${name}: no line matching ${re} within ${ms} ms\n${out.slice(-2000)}`)), ms);
        const onData = (d: Buffer): void => {
          buf += d.toString();
          const m = re.exec(buf);
          if (m) done(undefined, m);
        };
        const onExit = (): void => done(new Error(`${name} exited with ${child.exitCode} before it was ready:\n${out.slice(-4000)}`));
        const done = (err?: Error, m?: RegExpExecArray): void => {
          clearTimeout(timer);
          child.stdout?.off('data', onData);
          child.off('exit', onExit);
          if (err) reject(err);
          else resolve(m!);
        };
        child.stdout?.on('data', onData);
        child.once('exit', onExit);
        const already = re.exec(out);
        if (already) done(undefined, already);
      });
    },
    async stop(graceMs = 10_000) {
      live.delete(proc);
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(t);
    },
  };
  live.add(proc);
  void exited.then(() => live.delete(proc));
  return proc;
}

/** Node with tsx, from the repository root, as `npm start` runs tandem. */
export function startNode(name: string, script: string, env: Record<string, string>, nodeArgs: string[] = []): Proc {
  return startProcess(name, process.execPath, [...nodeArgs, '--import', 'tsx', script], {
    env: { ...process.env, ...env },
    cwd: process.cwd(),
  });
}

/** Kills every process still running from this bench run (used on errors and signals). */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((p) => p.stop(3_000)));
}

export function liveProcesses(): number {
  return live.size;
}

/** Resident set size and its high-water mark in MB, from /proc (Linux). */
export function memoryOf(pid: number): { rssMb: number; hwmMb: number } | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? NaN);
    return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

/** Samples a process's RSS every `everyMs` until stopped; reports the peak seen. */
export function sampleRss(pid: number, everyMs = 200): { stop(): { peakMb: number; lastMb: number } } {
  let peak = 0;
  let last = 0;
  const tick = (): void => {
    const m = memoryOf(pid);
    if (m && Number.isFinite(m.rssMb)) {
      last = m.rssMb;
      if (m.rssMb > peak) peak = m.rssMb;
    }
  };
  tick();
  const t = setInterval(tick, everyMs);
  return {
    stop() {
      clearInterval(t);
      tick();
      return { peakMb: peak, lastMb: last };
    },
  };
}

const CLOCK_TICKS = 100;

/** A /proc …/stat file's fields after the parenthesised command name (utime is index 11, then stime, cutime, cstime). */
function statFields(path: string): string[] | undefined {
  try {
    const stat = readFileSync(path, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** CPU seconds used so far by `pid` and the children it has reaped (espeak-ng for <Say>). */
export function cpuSeconds(pid: number): number | undefined {
  const f = statFields(`/proc/${pid}/stat`);
  return f && (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / CLOCK_TICKS;
}

/** CPU seconds used so far by one thread of `pid` (its main thread when `tid` is the pid itself). */
export function threadCpuSeconds(pid: number, tid = pid): number | undefined {
  const f = statFields(`/proc/${pid}/task/${tid}/stat`);
  return f && (Number(f[11]) + Number(f[12])) / CLOCK_TICKS;
}

/** CPU seconds used so far by these processes together (all their threads), from /proc; NaN when one is gone. */
export function cpuSecondsOf(pids: number[]): number {
  return pids.reduce((sum, pid) => sum + (cpuSeconds(pid) ?? NaN), 0);
}

/** Busy CPU seconds of the whole machine so far, all cores together (everything but idle and iowait), from /proc/stat. */
export function machineCpuSeconds(): number {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number) as number[];
    return (user! + nice! + system! + irq! + softirq! + (steal ?? 0)) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}

/**
 * Where a run's CPU went: the gateway's processes, the carrier (SMSC), the bench's own load generator, and the whole
 * machine, read at start and at `read()`, in µs of CPU per item (message or reply). A one-process gateway (tandem)
 * also gets its main thread's share: the JavaScript thread, apart from LMDB's writer, V8's helpers and media workers.
 */
export function cpuBudget(parts: { gateway: number[]; carrier?: number; others?: number[] }): { read(items: number): Record<string, number> } {
  const g0 = cpuSecondsOf(parts.gateway);
  const main = parts.gateway.length === 1 ? parts.gateway[0]! : undefined;
  const t0 = main === undefined ? NaN : threadCpuSeconds(main) ?? NaN;
  const c0 = parts.carrier === undefined ? NaN : cpuSeconds(parts.carrier) ?? NaN;
  const o0 = cpuSecondsOf(parts.others ?? []);
  const self0 = process.cpuUsage();
  const m0 = machineCpuSeconds();
  return {
    read(items) {
      const per = (s: number): number => Math.round((s * 1e6) / Math.max(1, items));
      const out: Record<string, number> = {};
      const g = cpuSecondsOf(parts.gateway) - g0;
      if (Number.isFinite(g)) out.gateway = per(g);
      const t = (main === undefined ? NaN : threadCpuSeconds(main) ?? NaN) - t0;
      if (Number.isFinite(t)) out.main_thread = per(t);
      const c = (parts.carrier === undefined ? NaN : cpuSeconds(parts.carrier) ?? NaN) - c0;
      if (Number.isFinite(c)) out.carrier = per(c);
      const o = cpuSecondsOf(parts.others ?? []) - o0;
      if (Number.isFinite(o) && (parts.others?.length ?? 0) > 0) out.others = per(o);
      const self = process.cpuUsage(self0);
      out.load_generator = per((self.user + self.system) / 1e6);
      const m = machineCpuSeconds() - m0;
      if (Number.isFinite(m)) out.machine = per(m);
      return out;
    },
  };
}

/**
 * Waits until these processes are quiet: under `busyBelow` of one core over two windows of `windowMs` in a row, or
 * `maxMs` gone by. A paced run right after a flood would otherwise measure the gateway still digesting the flood
 * (its receipts, its garbage), not its latency at that pace. Resolves with how long it waited and the last busy share.
 */
export async function waitQuiet(pids: number[], opts: { busyBelow?: number; windowMs?: number; maxMs?: number } = {}): Promise<{ waitedMs: number; busy: number }> {
  const busyBelow = opts.busyBelow ?? 0.05;
  const windowMs = opts.windowMs ?? 250;
  const t0 = Date.now();
  let quietWindows = 0;
  let busy = NaN;
  let last = cpuSecondsOf(pids);
  while (Date.now() - t0 < (opts.maxMs ?? 15_000)) {
    await new Promise((r) => setTimeout(r, windowMs));
    const now = cpuSecondsOf(pids);
    busy = (now - last) / (windowMs / 1000);
    last = now;
    if (!Number.isFinite(busy)) break;
    quietWindows = busy < busyBelow ? quietWindows + 1 : 0;
    if (quietWindows >= 2) break;
  }
  return { waitedMs: Date.now() - t0, busy };
}
