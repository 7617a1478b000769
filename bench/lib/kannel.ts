// Kannel (Debian's `kannel` package) as the peer: installed with apt-get when bearerbox is missing, configured
// from kannel.conf (the set-up in ../shared/bench) with free ports, this run's SMSC and webhook app, and a
// file store on, as tandem's durable writes are.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { freePort } from './ports.js';
import { startProcess, type Proc } from './procs.js';
import { http } from './http.js';
import { sleep } from './stats.js';

const TEMPLATE = fileURLToPath(new URL('./kannel.conf', import.meta.url));

function bearerboxPath(): string | undefined {
  for (const p of ['/usr/sbin/bearerbox', '/usr/bin/bearerbox', '/usr/local/sbin/bearerbox']) if (existsSync(p)) return p;
  const r = spawnSync('sh', ['-c', 'command -v bearerbox'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : undefined;
}

/** Kannel ready to run, or why not. `note` says whether this call installed it. */
export function ensureKannel(log: (m: string) => void): { ok: true; note: string } | { ok: false; reason: string } {
  if (bearerboxPath()) return { ok: true, note: 'kannel already installed' };
  log('bearerbox is missing: installing Debian package kannel with apt-get (one time)…');
  try {
    execFileSync('apt-get', ['install', '-y', 'kannel'], { stdio: 'ignore', timeout: 600_000, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  } catch (e) {
    return { ok: false, reason: `apt-get install -y kannel failed: ${String(e).slice(0, 200)}` };
  }
  return bearerboxPath() ? { ok: true, note: 'kannel installed by this run with apt-get' } : { ok: false, reason: 'kannel installed but bearerbox not found' };
}

export interface Kannel {
  sendsmsUrl: string;
  bearerbox: Proc;
  smsbox: Proc;
  stop(): Promise<void>;
}

export interface KannelOptions {
  /**
   * Match delivery receipts to messages (sendsms with a dlr-mask): the carrier's message ids are then kept as the
   * carrier wrote them (no `msg-id-type` conversion: the bench SMSC's ids are hex strings, which the template's
   * decimal conversion would collapse and mismatch).
   */
  receipts?: boolean;
}

/**
 * Starts bearerbox + smsbox in `dir` against the SMSC on `smscPort`; MO goes to `${webhookUrl}/mo`. A start that
 * fails (a box exiting at once, seen on a busy machine) is tried once more on fresh ports before the run gives up.
 */
export async function startKannel(dir: string, smscPort: number, webhookUrl: string, opts: KannelOptions = {}): Promise<Kannel> {
  try {
    return await startKannelOnce(join(dir, 'a'), smscPort, webhookUrl, opts);
  } catch (first) {
    try {
      return await startKannelOnce(join(dir, 'b'), smscPort, webhookUrl, opts);
    } catch (second) {
      throw new Error(`${(second as Error).message}\n(the first try failed too: ${(first as Error).message.slice(0, 500)})`);
    }
  }
}

async function startKannelOnce(dir: string, smscPort: number, webhookUrl: string, opts: KannelOptions): Promise<Kannel> {
  mkdirSync(join(dir, 'run'), { recursive: true });
  const [admin, box, sendsms] = [await freePort(), await freePort(), await freePort()];
  const conf = readFileSync(TEMPLATE, 'utf8')
    .replace(/^admin-port = \d+/m, `admin-port = ${admin}`)
    .replace(/^smsbox-port = \d+/m, `smsbox-port = ${box}`)
    .replace(/^bearerbox-port = \d+/m, `bearerbox-port = ${box}`)
    .replace(/^port = \d+/m, `port = ${smscPort}`)
    .replace(/^sendsms-port = \d+/m, `sendsms-port = ${sendsms}`)
    .replace(/^get-url = .*$/m, `get-url = "${webhookUrl}/mo?from=%p&to=%P&text=%a"`)
    // Durable queue, for a fair comparison with tandem's acknowledged-after-fsync writes.
    .replace(/^# run\.sh:store$/m, `store-type = file\nstore-location = "${join(dir, 'run', 'kannel.store')}"`)
    .replace(/^msg-id-type = .*$/m, opts.receipts ? '# msg-id-type: unset, ids kept as strings' : '$&');
  const file = join(dir, 'kannel.conf');
  writeFileSync(file, conf);
  const bin = bearerboxPath()!;
  const bearerbox = startProcess('bearerbox', bin, [file], { cwd: dir });
  // smsbox gives up at once if bearerbox is not listening for it yet (it happened on a busy machine after a fixed 300 ms).
  const listening = await waitForListener(box, 15_000, () => bearerbox.child.exitCode !== null);
  if (!listening) {
    await bearerbox.stop(5_000);
    throw new Error(`bearerbox did not listen for smsbox on ${box} within 15 s:\n${bearerbox.output().slice(-1500)}\n${readLog(dir)}`);
  }
  const smsbox = startProcess('smsbox', join(bin, '..', 'smsbox'), [file], { cwd: dir });
  const stop = async (): Promise<void> => {
    await smsbox.stop(5_000);
    await bearerbox.stop(5_000);
  };
  const url = `http://127.0.0.1:${sendsms}/cgi-bin/sendsms`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (bearerbox.child.exitCode !== null || smsbox.child.exitCode !== null) {
      await stop();
      throw new Error(`kannel exited during start:\n${bearerbox.output().slice(-1500)}\n${smsbox.output().slice(-1500)}\n${readLog(dir)}`);
    }
    // Any HTTP answer (a 4xx for missing parameters) means smsbox is up and connected to bearerbox.
    const up = await http(url).then(() => true, () => false);
    if (up) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`kannel's sendsms did not answer within 30 s\n${readLog(dir)}`);
    }
    await sleep(100);
  }
  return { sendsmsUrl: url, bearerbox, smsbox, stop };
}

function readLog(dir: string): string {
  try {
    return readFileSync(join(dir, 'run', 'bearerbox.log'), 'utf8').slice(-2000);
  } catch {
    return '';
  }
}

/** Whether something accepts TCP connections on 127.0.0.1:`port` within `ms` (false early once `gaveUp()`). */
async function waitForListener(port: number, ms: number, gaveUp: () => boolean): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && !gaveUp()) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
      s.setTimeout(1_000, () => {
        s.destroy();
        resolve(false);
      });
    });
    if (ok) return true;
    await sleep(50);
  }
  return false;
}
