// The standalone sandbox SMSC process (used by the benchmark): SMPP port plus its HTTP control port.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { EsmeSession, type DeliverEvent } from '../../protocols/smpp/esme-session.js';
import { planSegments } from '../../protocols/smpp/encoding.js';
import { buildSubmitParts } from '../../protocols/smpp/udh.js';

test('smsc-main: submits show in /messages.json and /stats.json, POST /mo reaches the bound ESME', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/sandbox/smsc-main.ts'], {
    env: { ...process.env, SMSC_PORT: '0', SMSC_HTTP_PORT: '0', SMSC_DLR_DELAY_MS: '5' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let esme: EsmeSession | null = null;
  try {
    const line = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('smsc-main did not start')), 10_000);
      createInterface({ input: child.stdout! }).once('line', (l) => {
        clearTimeout(t);
        resolve(l);
      });
    });
    const { smppPort, httpPort } = JSON.parse(line) as { smppPort: number; httpPort: number };
    const base = `http://127.0.0.1:${httpPort}`;

    // No receiver bound yet: MO is refused rather than left hanging.
    const early = await fetch(`${base}/mo`, { method: 'POST', body: new URLSearchParams({ from: '+1', to: '+2', body: 'x' }) });
    assert.equal(early.status, 503);

    esme = new EsmeSession({ host: '127.0.0.1', port: smppPort, systemId: 'bench', password: 'x' });
    const events: DeliverEvent[] = [];
    esme.on('deliver_sm', (e) => {
      events.push(e);
      e.ack();
    });
    await esme.start();

    const parts = buildSubmitParts(planSegments('z'.repeat(170)), 3);
    for (const sm of parts.shortMessages) {
      const r = await esme.submit({ from: '+15551230000', to: '+14155550100', shortMessage: sm, dataCoding: 0, esmClass: parts.esmClass });
      assert.equal(r.ok, true);
    }
    const list = (await (await fetch(`${base}/messages.json`)).json()) as { total: number; messages: Array<{ body: string; segments: number }> };
    assert.equal(list.total, 1);
    assert.equal(list.messages[0]!.body, 'z'.repeat(170));
    assert.equal(list.messages[0]!.segments, 2);
    const stats = (await (await fetch(`${base}/stats.json`)).json()) as { submits: number; perSecond: Array<[number, number]> };
    assert.equal(stats.submits, 2);
    assert.equal(stats.perSecond.reduce((n, [, c]) => n + c, 0), 2);

    const mo = await fetch(`${base}/mo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ from: '+447700900123', to: '+15551230000', body: 'weather 94110' }),
    });
    assert.equal(mo.status, 200);
    const moEvent = events.find((e) => e.kind === 'mo');
    assert.ok(moEvent && moEvent.kind === 'mo');
    assert.equal(moEvent.mo.text, 'weather 94110');
    assert.equal(moEvent.mo.from, '+447700900123');

    assert.equal((await fetch(`${base}/clear`, { method: 'POST' })).status, 200);
    const cleared = (await (await fetch(`${base}/messages.json`)).json()) as { total: number };
    assert.equal(cleared.total, 0);
  } finally {
    await esme?.close(100);
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
});
