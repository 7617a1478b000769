// EsmeSession against a real SandboxSmsc (and raw node-smpp servers for misbehaving carriers), over
// real TCP on 127.0.0.1 with free ports.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { SandboxSmsc } from '../../src/sandbox/smsc.js';
import { EsmeSession, type DeliverEvent, type EsmeSessionOptions, type SubmitResult } from '../../protocols/smpp/esme-session.js';
import { planSegments } from '../../protocols/smpp/encoding.js';
import { buildSubmitParts, sarTlvs } from '../../protocols/smpp/udh.js';
import { smpp, type PDU, type Server, type Session } from '../../protocols/smpp/wire.js';
import type { DeliveryReceipt } from '../../protocols/smpp/dlr.js';
import type { InboundPart } from '../../protocols/smpp/mo.js';

const FROM = '+15551230000';

async function withSandbox<T>(
  fn: (smsc: SandboxSmsc, esme: EsmeSession) => Promise<T>,
  esmeOpts: Partial<EsmeSessionOptions> = {},
  smscOpts: { dlrDelayMs?: number; deliverRetryMs?: number } = {},
): Promise<T> {
  const smsc = new SandboxSmsc({ port: 0, dlrDelayMs: 10, ...smscOpts });
  const port = await smsc.start();
  const esme = new EsmeSession({
    host: '127.0.0.1',
    port,
    systemId: 'tandem',
    password: 'secret',
    reconnectMinMs: 50,
    reconnectMaxMs: 200,
    ...esmeOpts,
  });
  try {
    await withTimeout(esme.start(), 3_000, 'bind');
    return await fn(smsc, esme);
  } finally {
    await esme.close(200);
    await smsc.stop();
  }
}

function text(body: string, to: string) {
  const plan = planSegments(body);
  const parts = buildSubmitParts(plan, 1);
  return parts.shortMessages.map((sm) => ({
    from: FROM,
    to,
    shortMessage: sm,
    dataCoding: parts.dataCoding,
    esmClass: parts.esmClass,
  }));
}

/** Collects receipts and MO parts, acknowledging each (optionally only some). */
function collect(esme: EsmeSession, shouldAck: (e: DeliverEvent) => boolean = () => true) {
  const dlrs: DeliveryReceipt[] = [];
  const mos: InboundPart[] = [];
  esme.on('deliver_sm', (e) => {
    if (e.kind === 'dlr') dlrs.push(e.dlr);
    else mos.push(e.mo);
    if (shouldAck(e)) e.ack();
  });
  return { dlrs, mos };
}

async function until(cond: () => boolean, ms = 3_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** A raw carrier: accepts binds, then lets the test decide how to treat every other PDU. */
async function rawCarrier(onPdu: (session: Session, pdu: PDU) => void): Promise<{ port: number; server: Server; close: () => Promise<void> }> {
  const server = smpp.createServer((session) => {
    session.on('error', () => {});
    session.on('pdu', (pdu: PDU) => {
      if (pdu.command === 'unbind') session.send(pdu.response());
      else onPdu(session, pdu);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    server,
    close: () =>
      new Promise<void>((r) => {
        for (const s of server.sessions) s.destroy();
        server.close(() => r());
      }),
  };
}

function isBind(pdu: PDU): boolean {
  return pdu.command.startsWith('bind_');
}

describe('EsmeSession with the sandbox SMSC', () => {
  test('submit_sm is accepted and a DELIVRD receipt comes back for its message id', async () => {
    await withSandbox(async (smsc, esme) => {
      const { dlrs } = collect(esme);
      assert.equal(esme.ready, true);
      const [p] = text('hello from tandem', '+14155550100');
      const r = await esme.submit(p!);
      assert.equal(r.ok, true);
      const id = r.ok ? r.messageId : '';
      assert.ok(id.length > 0);
      await until(() => dlrs.length === 1, 2_000, 'receipt');
      assert.equal(dlrs[0]!.carrierMessageId, id);
      assert.equal(dlrs[0]!.stat, 'DELIVRD');
      assert.match(dlrs[0]!.doneDate ?? '', /^\d{10}$/);
      const [m] = smsc.messages();
      assert.equal(m?.from, FROM);
      assert.equal(m?.to, '+14155550100');
      assert.equal(m?.body, 'hello from tandem');
      assert.equal(m?.segments, 1);
      assert.match(m?.received_at ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      await until(() => smsc.stats().dlrsSent === 1, 1_000, 'receipt acknowledged');
    });
  });

  test('a multi-part message is recorded once, joined, with its segment count; one receipt per part', async () => {
    await withSandbox(async (smsc, esme) => {
      const { dlrs } = collect(esme);
      const body = 'Long {GSM} message with € signs. '.repeat(10);
      const parts = text(body, '+14155550101');
      assert.equal(parts.length, 3);
      const results = await Promise.all(parts.map((p) => esme.submit(p)));
      assert.ok(results.every((r) => r.ok));
      const ids = new Set(results.map((r) => (r.ok ? r.messageId : '')));
      assert.equal(ids.size, 3);
      const msgs = smsc.messages();
      assert.equal(msgs.length, 1);
      assert.equal(msgs[0]!.body, body);
      assert.equal(msgs[0]!.segments, 3);
      await until(() => dlrs.length === 3, 2_000, 'three receipts');
      assert.deepEqual(new Set(dlrs.map((d) => d.carrierMessageId)), ids);

      // The sar_* TLV form instead of a UDH is joined the same way.
      const sarPlan = planSegments('S'.repeat(200));
      for (let i = 0; i < sarPlan.numSegments; i++) {
        const r = await esme.submit({
          from: FROM,
          to: '+14155550103',
          shortMessage: sarPlan.segments[i]!,
          dataCoding: 0,
          sar: sarTlvs(513, sarPlan.numSegments, i + 1),
        });
        assert.equal(r.ok, true);
      }
      const sarMsg = smsc.messages()[1]!;
      assert.equal(sarMsg.body, 'S'.repeat(200));
      assert.equal(sarMsg.segments, 2);

      const ucs = 'Привет, мир 😀 '.repeat(8);
      const uparts = text(ucs, '+14155550102');
      for (const p of uparts) assert.equal((await esme.submit(p)).ok, true);
      const last = smsc.messages()[2]!;
      assert.equal(last.body, ucs);
      assert.equal(last.segments, uparts.length);
    });
  });

  test('magic destinations: 0003/5/6/8 undelivered with their err, 0007 refused at submit, 0009 no receipt', async () => {
    await withSandbox(async (_smsc, esme) => {
      const { dlrs } = collect(esme);
      const ids = new Map<string, string>();
      for (const n of ['3', '5', '6', '8', '9']) {
        const r = await esme.submit(text('magic', `+1500555000${n}`)[0]!);
        assert.equal(r.ok, true);
        if (r.ok) ids.set(r.messageId, n);
      }
      const refused = await esme.submit(text('blocked', '+15005550007')[0]!);
      assert.deepEqual(refused, { ok: false, commandStatus: 0x45, retryable: false, reason: 'status' });

      const control = await esme.submit(text('control', '+14155550100')[0]!);
      assert.equal(control.ok, true);
      const controlId = control.ok ? control.messageId : '';
      await until(() => dlrs.some((d) => d.carrierMessageId === controlId), 2_000, 'control receipt');
      await sleep(100);
      const byNumber = new Map(dlrs.map((d) => [ids.get(d.carrierMessageId), d]));
      for (const n of ['3', '5', '6', '8']) {
        assert.equal(byNumber.get(n)?.stat, 'UNDELIV', `+1500555000${n}`);
        assert.equal(byNumber.get(n)?.err, `00${n}`);
      }
      assert.equal(byNumber.has('9'), false, '+15005550009 must never get a receipt');
    });
  });

  test('throttling answers are retryable and slow the session down', async () => {
    await withSandbox(
      async (smsc, esme) => {
        smsc.throttleNext(2);
        const first = await esme.submit(text('one', '+14155550100')[0]!);
        assert.deepEqual(first, { ok: false, commandStatus: 0x58, retryable: true, reason: 'status' });
        assert.ok(Number.isFinite(esme.currentRate), 'rate limited after a throttle');
        const t0 = Date.now();
        const second = await esme.submit(text('two', '+14155550100')[0]!);
        assert.equal(second.ok, false);
        const third = await esme.submit(text('three', '+14155550100')[0]!);
        assert.equal(third.ok, true);
        assert.ok(Date.now() - t0 >= 250, 'the session paused after being throttled');
      },
      { throttlePauseMs: 300 },
    );
  });

  test('dropped binds: in-flight submits resolve retryable, the session re-binds and submits resume', async () => {
    await withSandbox(
      async (smsc, esme) => {
        collect(esme);
        const events: string[] = [];
        esme.on('unbound', () => events.push('unbound'));
        esme.on('bound', () => events.push('bound'));
        assert.equal((await esme.submit(text('before', '+14155550100')[0]!)).ok, true);

        // Fire a burst and cut the link while it is in flight.
        const burst: Promise<SubmitResult>[] = [];
        for (let i = 0; i < 200; i++) burst.push(esme.submit(text(`burst ${i}`, '+14155550100')[0]!));
        smsc.dropBinds();
        const results = await withTimeout(Promise.all(burst), 5_000, 'burst results');
        for (const r of results) if (!r.ok) assert.equal(r.retryable, true);

        await until(() => events.includes('bound'), 3_000, 're-bind');
        assert.deepEqual(events.slice(0, 2), ['unbound', 'bound']);
        assert.equal(esme.ready, true);
        const after = await esme.submit(text('after', '+14155550100')[0]!);
        assert.equal(after.ok, true);
        assert.equal(smsc.messages().at(-1)?.body, 'after');
      },
      { window: 50 },
    );
  });

  test('submits made while unbound wait for the re-bind and then go out', async () => {
    await withSandbox(async (smsc, esme) => {
      collect(esme);
      smsc.dropBinds();
      await until(() => !esme.ready, 2_000, 'unbound');
      const pending = esme.submit(text('queued while down', '+14155550100')[0]!);
      const r = await withTimeout(pending, 3_000, 'queued submit');
      assert.equal(r.ok, true);
      assert.equal(smsc.messages().at(-1)?.body, 'queued while down');
    });
  });

  test('MO: long UCS-2 text arrives as concatenated parts; an unacknowledged part is resent', async () => {
    await withSandbox(
      async (_smsc, esme) => {
        let skipped = false;
        const { mos } = collect(esme, (e) => {
          if (!skipped && e.kind === 'mo' && e.mo.concat?.seq === 1) {
            skipped = true; // do not acknowledge the first delivery of part 1
            return false;
          }
          return true;
        });
        const body = 'Ответ с эмодзи 😀 '.repeat(6);
        await withTimeout(_smsc.sendMo('+447700900123', '+15551230000', body), 4_000, 'MO acknowledged');
        assert.equal(skipped, true);
        const parts = new Map<number, InboundPart>();
        for (const m of mos) parts.set(m.concat!.seq, m);
        const total = mos[0]!.concat!.total;
        assert.equal(parts.size, total);
        assert.ok(mos.length > total, 'part 1 was delivered again');
        const joined = [...parts.entries()].sort((a, b) => a[0] - b[0]).map(([, m]) => m.text).join('');
        assert.equal(joined, body);
        assert.equal(mos[0]!.from, '+447700900123');
        assert.equal(mos[0]!.to, '+15551230000');
        assert.equal(mos[0]!.dataCoding, 8);
      },
      {},
      { deliverRetryMs: 200 },
    );
  });

  test('close() unbinds gracefully; later submits resolve closed', async () => {
    const smsc = new SandboxSmsc({ port: 0 });
    const port = await smsc.start();
    const esme = new EsmeSession({ host: '127.0.0.1', port, systemId: 'a', password: 'b' });
    try {
      await esme.start();
      const unbound = new Promise<string>((r) => esme.once('unbound', r));
      await esme.close();
      assert.equal(esme.ready, false);
      await until(() => smsc.boundSessions === 0, 1_000, 'server side unbound');
      const r = await esme.submit(text('late', '+14155550100')[0]!);
      assert.deepEqual(r, { ok: false, commandStatus: -1, retryable: true, reason: 'closed' });
      assert.equal(await Promise.race([unbound, sleep(50).then(() => 'none')]), 'closed');
    } finally {
      await smsc.stop();
    }
  });
});

describe('EsmeSession against misbehaving carriers', () => {
  test('the window bounds outstanding submit_sm', async () => {
    let outstanding = 0;
    let maxOutstanding = 0;
    const carrier = await rawCarrier((session, pdu) => {
      if (isBind(pdu)) session.send(pdu.response({ system_id: 'raw' }));
      else if (pdu.command === 'submit_sm') {
        outstanding++;
        maxOutstanding = Math.max(maxOutstanding, outstanding);
        setTimeout(() => {
          outstanding--;
          session.send(pdu.response({ message_id: String(pdu.sequence_number) }));
        }, 20);
      }
    });
    const esme = new EsmeSession({ host: '127.0.0.1', port: carrier.port, systemId: 'a', password: 'b', window: 5 });
    try {
      await esme.start();
      let maxInFlight = 0;
      const all: Promise<SubmitResult>[] = [];
      for (let i = 0; i < 60; i++) all.push(esme.submit(text(`m${i}`, '+14155550100')[0]!));
      const probe = setInterval(() => (maxInFlight = Math.max(maxInFlight, esme.inFlight)), 1);
      const results = await Promise.all(all);
      clearInterval(probe);
      assert.ok(results.every((r) => r.ok));
      assert.equal(maxOutstanding, 5, 'carrier saw exactly the window outstanding at peak');
      assert.ok(maxInFlight <= 5);
    } finally {
      await esme.close(100);
      await carrier.close();
    }
  });

  test('a submit_sm never answered resolves retryable after the response timeout', async () => {
    const carrier = await rawCarrier((session, pdu) => {
      if (isBind(pdu)) session.send(pdu.response({ system_id: 'raw' }));
      // submit_sm: silence
    });
    const esme = new EsmeSession({
      host: '127.0.0.1',
      port: carrier.port,
      systemId: 'a',
      password: 'b',
      responseTimeoutMs: 300,
    });
    try {
      await esme.start();
      const t0 = Date.now();
      const r = await withTimeout(esme.submit(text('void', '+14155550100')[0]!), 2_000, 'timeout result');
      const took = Date.now() - t0;
      assert.deepEqual(r, { ok: false, commandStatus: -1, retryable: true, reason: 'timeout' });
      assert.ok(took >= 290 && took < 1_800, `resolved after ${took} ms`);
      assert.equal(esme.inFlight, 0);
    } finally {
      await esme.close(50);
      await carrier.close();
    }
  });

  test('a link that stops answering enquire_link is dropped and re-bound', async () => {
    let binds = 0;
    const carrier = await rawCarrier((session, pdu) => {
      if (isBind(pdu)) {
        binds++;
        session.send(pdu.response({ system_id: 'raw' }));
      }
      // enquire_link: silence, like a half-dead link
    });
    const esme = new EsmeSession({
      host: '127.0.0.1',
      port: carrier.port,
      systemId: 'a',
      password: 'b',
      enquireLinkIntervalMs: 100,
      enquireLinkTimeoutMs: 200,
      reconnectMinMs: 20,
    });
    try {
      await esme.start();
      const reason = await withTimeout(new Promise<string>((r) => esme.once('unbound', r)), 2_000, 'unbound');
      assert.equal(reason, 'enquire_link timeout');
      await until(() => binds >= 2 && esme.ready, 2_000, 're-bind');
    } finally {
      await esme.close(50);
      await carrier.close();
    }
  });

  test('garbage on the wire drops the link and the session re-binds', async () => {
    let binds = 0;
    const carrier = await rawCarrier((session, pdu) => {
      if (!isBind(pdu)) return;
      binds++;
      session.send(pdu.response({ system_id: 'raw' }));
      // A command_length far past the 16 KiB maximum: node-smpp cannot decode past this point.
      if (binds === 1) setTimeout(() => session.socket.write(Buffer.from([0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 5])), 20);
    });
    const esme = new EsmeSession({ host: '127.0.0.1', port: carrier.port, systemId: 'a', password: 'b', reconnectMinMs: 20 });
    try {
      await esme.start();
      await withTimeout(new Promise((r) => esme.once('unbound', r)), 2_000, 'link dropped');
      await until(() => binds === 2 && esme.ready, 2_000, 're-bind');
    } finally {
      await esme.close(50);
      await carrier.close();
    }
  });

  test('a carrier unbind is answered, then the session re-binds', async () => {
    let binds = 0;
    let unbindAnswered = false;
    const carrier = await rawCarrier((session, pdu) => {
      if (!isBind(pdu)) return;
      binds++;
      session.send(pdu.response({ system_id: 'raw' }));
      if (binds === 1) {
        setTimeout(() => session.send(new smpp.PDU('unbind'), (resp) => (unbindAnswered = resp.command === 'unbind_resp')), 20);
      }
    });
    const esme = new EsmeSession({ host: '127.0.0.1', port: carrier.port, systemId: 'a', password: 'b', reconnectMinMs: 20 });
    try {
      await esme.start();
      const reason = await withTimeout(new Promise<string>((r) => esme.once('unbound', r)), 2_000, 'unbound');
      assert.equal(reason, 'carrier unbind');
      await until(() => binds === 2 && esme.ready, 2_000, 're-bind');
      assert.equal(unbindAnswered, true);
    } finally {
      await esme.close(50);
      await carrier.close();
    }
  });

  test('a refused bind is retried with backoff until accepted', async () => {
    const bindTimes: number[] = [];
    const carrier = await rawCarrier((session, pdu) => {
      if (!isBind(pdu)) return;
      bindTimes.push(Date.now());
      if (bindTimes.length < 3) {
        session.send(pdu.response({ command_status: 0x0d }));
      } else session.send(pdu.response({ system_id: 'raw' }));
    });
    const esme = new EsmeSession({
      host: '127.0.0.1',
      port: carrier.port,
      systemId: 'a',
      password: 'wrong-at-first',
      reconnectMinMs: 100,
      reconnectMaxMs: 1_000,
    });
    const errors: Error[] = [];
    esme.on('error', (e) => errors.push(e));
    try {
      await withTimeout(esme.start(), 3_000, 'eventual bind');
      assert.equal(bindTimes.length, 3);
      assert.equal(errors.length, 2);
      assert.match(errors[0]!.message, /0xd/);
      const gap1 = bindTimes[1]! - bindTimes[0]!;
      const gap2 = bindTimes[2]! - bindTimes[1]!;
      // Delays are 100 ms then 200 ms, each ±20 % jitter: lower bounds hold however loaded the machine is.
      assert.ok(gap1 >= 80, `first retry after ${gap1} ms`);
      assert.ok(gap2 >= 160, `second retry after ${gap2} ms (backoff doubles)`);
    } finally {
      await esme.close(50);
      await carrier.close();
    }
  });

  test('with no carrier listening the session keeps retrying; close() ends start() with an error', async () => {
    const probe = await rawCarrier(() => {});
    const port = probe.port;
    await probe.close(); // nothing listens on this port now
    const esme = new EsmeSession({ host: '127.0.0.1', port, systemId: 'a', password: 'b', reconnectMinMs: 20 });
    const started = esme.start();
    const pending = esme.submit(text('nowhere', '+14155550100')[0]!);
    await sleep(150);
    assert.equal(esme.ready, false);
    assert.equal(esme.queued, 1);
    await esme.close(10);
    await assert.rejects(started, /closed/);
    assert.deepEqual(await pending, { ok: false, commandStatus: -1, retryable: true, reason: 'closed' });
  });

  test('maxSubmitRate paces submits', async () => {
    const at: number[] = [];
    const carrier = await rawCarrier((session, pdu) => {
      if (isBind(pdu)) session.send(pdu.response({ system_id: 'raw' }));
      else if (pdu.command === 'submit_sm') {
        at.push(Date.now());
        session.send(pdu.response({ message_id: 'x' }));
      }
    });
    const esme = new EsmeSession({ host: '127.0.0.1', port: carrier.port, systemId: 'a', password: 'b', maxSubmitRate: 20 });
    try {
      await esme.start();
      const all: Promise<SubmitResult>[] = [];
      for (let i = 0; i < 12; i++) all.push(esme.submit(text(`m${i}`, '+14155550100')[0]!));
      await Promise.all(all);
      // Burst allowance is 2 (a tenth of a second), then one every 50 ms: 12 take ≥ 450 ms.
      const span = at.at(-1)! - at[0]!;
      assert.ok(span >= 430 && span < 3_000, `12 submits at 20/s spanned ${span} ms`);
    } finally {
      await esme.close(50);
      await carrier.close();
    }
  });
});
