// Starts a real tandem process (npm start's entry point) on a temp data dir and free ports, for integration tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { twilioClient, type TwilioClient } from './twilio-client.js';

export interface TandemOptions {
  env?: Record<string, string>;
  dataDir?: string;
  /** US local numbers seeded on first start; small by default so tests start fast; 'default' = tandem's own. */
  seedUsLocal?: number | 'default';
}

export interface Tandem {
  url: string;
  dataDir: string;
  accountSid: string;
  authToken: string;
  env: Record<string, string>;
  output(): string;
  client(sid?: string, token?: string): TwilioClient;
  /** Raw HTTP against the API with Basic auth (default: the default account). */
  fetch(path: string, init?: RequestInit & { auth?: [string, string] | null }): Promise<Response>;
  stop(): Promise<number | null>;
  kill(): Promise<void>;
  restart(extraEnv?: Record<string, string>): Promise<Tandem>;
  cleanup(): Promise<void>;
}

export async function startTandem(opts: TandemOptions = {}): Promise<Tandem> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'tandem-it-'));
  // A port found free can be taken by someone else before tandem binds it (tests run two at a time, and every
  // outgoing connection takes an ephemeral port): on EADDRINUSE, draw new ports and start again.
  for (let attempt = 1; ; attempt++) {
    const env: Record<string, string> = {
      TANDEM_DATA_DIR: dataDir,
      TANDEM_HTTP_HOST: '127.0.0.1',
      TANDEM_HTTP_PORT: String(await freePort()),
      TANDEM_SANDBOX_SMPP_PORT: String(await freePort()),
      TANDEM_SIP_PORT: String(await freePort()),
      TANDEM_DRACHTIO_PORT: String(await freePort()),
      // Below the ephemeral range (where freePort and sipp's media ports come from), a random slice per tandem.
      TANDEM_RTP_PORTS: rtpRange(),
      ...(opts.seedUsLocal !== 'default' && { TANDEM_SEED_US_LOCAL: String(opts.seedUsLocal ?? 5000) }),
      TANDEM_LOG_LEVEL: 'warn',
      ...opts.env,
    };
    try {
      return await launch(dataDir, env);
    } catch (e) {
      if (attempt >= 4 || !/EADDRINUSE/.test((e as Error).message)) throw e;
    }
  }
}

function rtpRange(): string {
  const base = 20_000 + 2 * Math.floor(Math.random() * 4_900);
  return `${base}-${base + 199}`;
}

async function launch(dataDir: string, env: Record<string, string>): Promise<Tandem> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${env.TANDEM_HTTP_PORT}`;

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`tandem exited with ${child.exitCode} during start:\n${out}`);
    const ok = await fetch(url + '/healthz').then((r) => r.ok, () => false);
    if (ok && /AuthToken/.test(out)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`tandem did not become ready:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const accountSid = /AccountSid (AC[0-9a-f]{32})/.exec(out)![1]!;
  const authToken = /AuthToken {2}([0-9a-zA-Z]+)/.exec(out)![1]!;

  const t: Tandem = {
    url,
    dataDir,
    accountSid,
    authToken,
    env,
    output: () => out,
    client: (sid = accountSid, token = authToken) => twilioClient(url, sid, token),
    fetch(path, init = {}) {
      const headers = new Headers(init.headers);
      const auth = init.auth === undefined ? [accountSid, authToken] : init.auth;
      if (auth) headers.set('authorization', 'Basic ' + Buffer.from(auth.join(':')).toString('base64'));
      return fetch(url + path, { ...init, headers });
    },
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (child.exitCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
    async restart(extraEnv = {}) {
      await t.stop();
      for (let attempt = 1; ; attempt++) {
        try {
          return await launch(dataDir, { ...env, ...extraEnv });
        } catch (e) {
          if (attempt >= 4 || !/EADDRINUSE/.test((e as Error).message)) throw e;
          // Same data, new listening ports (the old ones were taken while tandem was down).
          for (const k of ['TANDEM_HTTP_PORT', 'TANDEM_SANDBOX_SMPP_PORT', 'TANDEM_SIP_PORT', 'TANDEM_DRACHTIO_PORT']) env[k] = String(await freePort());
        }
      }
    },
    async cleanup() {
      await t.kill();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return t;
}
