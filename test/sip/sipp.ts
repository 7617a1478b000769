// Runs sipp (Debian's sip-tester) and sipsak as real SIP peers for tests. Every peer gets its
// own free port on loopback and runs in a scratch directory so its logs never land in the repo.
//
//   const r = await runSipp({ scenario: { builtin: 'uac' }, remote: `127.0.0.1:${edge.sipPort}` });
//   assert.equal(r.code, 0, r.stderr + r.errors);          // 0 = every call succeeded
//
//   const far = await prepareSipp({ scenario: { file: 'uas-401.xml' } });   // a far end we call
//   const peer = far.start();  ... call sip:x@127.0.0.1:${far.port} ...  const r = await peer.done;
//
// Scenario files live in test/sip/scenarios; `vars` replaces @NAME@ placeholders, e.g.
// { SIPP_DATA: sipTesterDataDir() } to reach sip-tester's pcaps without copying them.
import { spawn, execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import { mkdtempSync, readFileSync, writeFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SCENARIOS = join(dirname(fileURLToPath(import.meta.url)), 'scenarios');

export interface PeerResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Contents of sipp's -trace_err log (unexpected messages), if any. */
  errors: string;
}

export interface RunningPeer {
  done: Promise<PeerResult>;
  kill(): void;
}

/** A UDP port that is also free on TCP (sipp binds both for some transports). */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = dgram.createSocket('udp4');
      s.once('error', reject);
      s.bind(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
    });
    const tcpFree = await new Promise<boolean>((resolve) => {
      const srv = net.createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    if (tcpFree) return port;
  }
}

/**
 * sipp binds its media port and the three above it (RTCP, video RTP and RTCP). A port from the ephemeral range can be
 * handed to another socket before sipp binds it (seen: "Unable to bind video RTP socket … Address already in use").
 * So media slots come from below that range and above the test tandems' RTP slices (20000–29999): 30000–32699.
 */
function randomMediaSlot(): number {
  return 30_000 + 4 * Math.floor(Math.random() * 675);
}

/** A media slot whose four UDP ports are free right now. */
export async function freeMediaPort(): Promise<number> {
  for (let tries = 1; ; tries++) {
    const base = randomMediaSlot();
    if (tries >= 20 || (await udpPortsFree(base, 4))) return base;
  }
}

async function udpPortsFree(base: number, n: number): Promise<boolean> {
  const bound: dgram.Socket[] = [];
  try {
    for (let p = base; p < base + n; p++) {
      const s = dgram.createSocket('udp4');
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.bind(p, '127.0.0.1', () => resolve());
      });
      bound.push(s);
    }
    return true;
  } catch {
    return false;
  } finally {
    await Promise.all(bound.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

/** Directory holding sip-tester's pcaps, resolved from the installed package (they are GPL: never copied). */
export function sipTesterDataDir(): string {
  const files = execFileSync('dpkg', ['-L', 'sip-tester'], { encoding: 'utf8' }).split('\n');
  const pcap = files.find((f) => f.endsWith('dtmf_2833_1.pcap'));
  if (!pcap) throw new Error('sip-tester pcaps not found');
  return dirname(pcap);
}

/** Copies a scenario from test/sip/scenarios into `dir`, replacing @NAME@ placeholders. */
export function renderScenario(name: string, dir: string, vars: Record<string, string> = {}): string {
  let text = readFileSync(join(SCENARIOS, name), 'utf8');
  for (const [k, v] of Object.entries(vars)) text = text.split(`@${k}@`).join(v);
  const out = join(dir, name);
  writeFileSync(out, text);
  return out;
}

export interface SippOptions {
  /** Local SIP port for sipp; picked free when omitted. */
  port?: number;
  /** Built-in scenario (-sn) or our XML file name under test/sip/scenarios (-sf). */
  scenario: { builtin: string } | { file: string; vars?: Record<string, string> };
  /** Remote host:port (the edge) for a UAC scenario. */
  remote?: string;
  transport?: 'udp' | 'tcp';
  calls?: number;
  extraArgs?: string[];
  /** Hard stop for the process, independent of sipp's own -timeout. */
  killAfterMs?: number;
}

export function startSipp(opts: SippOptions & { port: number; mediaPort: number }): RunningPeer {
  const dir = mkdtempSync(join(tmpdir(), 'sipp-'));
  const args = ['-nostdin', '-m', String(opts.calls ?? 1), '-timeout', '30s', '-timeout_error', '-trace_err',
    '-i', '127.0.0.1', '-p', String(opts.port), '-mi', '127.0.0.1', '-mp', String(opts.mediaPort)];
  if ('builtin' in opts.scenario) args.push('-sn', opts.scenario.builtin);
  else args.push('-sf', renderScenario(opts.scenario.file, dir, opts.scenario.vars));
  if (opts.transport === 'tcp') args.push('-t', 't1');
  args.push(...(opts.extraArgs ?? []));
  if (opts.remote) args.push(opts.remote);
  return spawnPeer('sipp', args, dir, opts.killAfterMs ?? 20_000);
}

/**
 * sipp exits at start-up, before sending anything, when another process took its media slot between
 * freeMediaPort's check and sipp's bind (concurrent test files each run sipps). Such a run is started
 * again on a fresh slot; any other outcome is the peer's result.
 */
const MEDIA_BIND_FAILED = /Unable to bind (audio|video) RTP socket/;

function startOnFreeMedia(opts: SippOptions & { port: number; mediaPort: number }): RunningPeer {
  let current = startSipp(opts);
  let killed = false;
  const done = (async () => {
    for (let attempt = 1; ; attempt++) {
      if (attempt > 1) current = startSipp({ ...opts, mediaPort: await freeMediaPort() });
      if (killed) current.kill();
      const result: PeerResult = await current.done;
      if (killed || attempt >= 5 || !MEDIA_BIND_FAILED.test(result.stderr)) return result;
    }
  })();
  return { done, kill: () => { killed = true; current.kill(); } };
}

/** Starts sipp and resolves with its exit code and output once it ends. */
export async function runSipp(opts: SippOptions): Promise<PeerResult> {
  const port = opts.port ?? (await freePort());
  return startOnFreeMedia({ ...opts, port, mediaPort: await freeMediaPort() }).done;
}

export async function prepareSipp(opts: SippOptions): Promise<{ port: number; start(): RunningPeer }> {
  const port = opts.port ?? (await freePort());
  const mediaPort = await freeMediaPort();
  return { port, start: () => startOnFreeMedia({ ...opts, port, mediaPort }) };
}

/** sipsak OPTIONS ping: exit 0 on a 2xx answer. */
export async function runSipsak(uri: string, extraArgs: string[] = []): Promise<PeerResult> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'sipsak-'));
  return spawnPeer('sipsak', ['-s', uri, '-l', String(port), ...extraArgs], dir, 10_000).done;
}

function spawnPeer(cmd: string, args: string[], cwd: string, killAfterMs: number): RunningPeer {
  const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  const done = new Promise<PeerResult>((resolve) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      let errors = '';
      try {
        for (const f of readdirSync(cwd)) if (f.endsWith('_errors.log')) errors += readFileSync(join(cwd, f), 'utf8');
      } catch { /* scratch dir gone */ }
      rmSync(cwd, { recursive: true, force: true });
      resolve({ code, stdout, stderr, errors });
    });
    child.on('error', (e) => { clearTimeout(timer); resolve({ code: -1, stdout, stderr: stderr + e.message, errors: '' }); });
  });
  return { done, kill: () => child.kill('SIGKILL') };
}
