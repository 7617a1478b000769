// The carrier-bind actor over a real EsmeSession bound to the sandbox SMSC: its mailbox keeps arrival order, is
// drained a whole batch per turn (so a busy bind never lags behind its socket), and one failing message is reported
// without costing the others; a submit that fails inside tandem is answered, never left waiting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import nact from 'nact';
import type { Ref } from 'nact';
import { SandboxSmsc } from '../../src/sandbox/smsc.js';
import { EsmeSession, type DeliverEvent, type SubmitResult } from '../../protocols/smpp/esme-session.js';
import { planSegments } from '../../protocols/smpp/encoding.js';
import { buildSubmitParts } from '../../protocols/smpp/udh.js';
import { spawnCarrierBind, LOCAL_SUBMIT_FAILURE, type BindMsg } from '../../actors/carrier-bind.js';

const FROM = '+15551230000';
const TO = '+14155550100';

function submitParams(body: string) {
  const parts = buildSubmitParts(planSegments(body), 1);
  return { from: FROM, to: TO, shortMessage: parts.shortMessages[0]!, dataCoding: parts.dataCoding, esmClass: parts.esmClass };
}

const nextIteration = () => new Promise<void>((resolve) => setImmediate(resolve));

async function withBind(
  fn: (ctx: { smsc: SandboxSmsc; bind: ReturnType<typeof spawnCarrierBind>; delivered: DeliverEvent[]; errors: [unknown, BindMsg][] }) => Promise<void>,
  onDeliver: (event: DeliverEvent) => void = () => undefined,
): Promise<void> {
  const smsc = new SandboxSmsc({ port: 0, dlrDelayMs: 10 });
  const port = await smsc.start();
  const session = new EsmeSession({ host: '127.0.0.1', port, systemId: 'tandem', password: 'secret', window: 50 });
  const system = nact.start() as Ref<never>;
  const delivered: DeliverEvent[] = [];
  const errors: [unknown, BindMsg][] = [];
  const bind = spawnCarrierBind(
    system,
    'sandbox',
    0,
    session,
    (_carrier, event) => {
      onDeliver(event);
      delivered.push(event);
      event.ack();
    },
    (err, msg) => errors.push([err, msg]),
  );
  try {
    await session.start();
    await fn({ smsc, bind, delivered, errors });
  } finally {
    await session.close(200);
    await smsc.stop();
    nact.stop(system);
  }
}

test('a burst of submits told at once is taken in one turn and reaches the carrier in the order told', async () => {
  await withBind(async ({ smsc, bind }) => {
    const results: Promise<SubmitResult>[] = [];
    for (let i = 0; i < 300; i++) results.push(new Promise((reply) => bind.tell({ type: 'submit', params: submitParams(`m${i}`), reply })));
    assert.equal(bind.queued, 300);
    // However long the mailbox, the actor's next turn empties it: nothing waits an event-loop iteration per message.
    await nextIteration();
    await nextIteration();
    assert.equal(bind.queued, 0);
    const settled = await Promise.all(results);
    assert.ok(settled.every((r) => r.ok), 'every submit accepted');
    assert.deepEqual(
      smsc.messages().map((m) => m.body),
      Array.from({ length: 300 }, (_, i) => `m${i}`),
    );
  });
});

test("a bind's turn hands its submits to the carrier's socket in that turn, not a loop iteration later", async () => {
  await withBind(async ({ smsc, bind }) => {
    // Told from the check phase, as a number actor's turn tells it: the bind's turn runs in that same phase, and
    // whatever it writes must leave then, so the carrier reads it in the very next poll phase.
    let iterations = 0;
    const arrived = new Promise<number>((resolve) => smsc.once('submit', () => resolve(iterations)));
    const replied = new Promise<SubmitResult>((reply) => setImmediate(() => bind.tell({ type: 'submit', params: submitParams('now'), reply })));
    const count = (): void => {
      iterations++;
      if (iterations < 20) setImmediate(count);
    };
    setImmediate(count);
    const at = await arrived;
    assert.ok(at <= 2, `the carrier read the submit_sm ${at} loop iterations after it was told (at most 2: the turn's, then the carrier's read)`);
    assert.ok((await replied).ok);
  });
});

test('a message whose handling throws is reported with the message, and the messages after it are still handled', async () => {
  await withBind(
    async ({ smsc, delivered, errors }) => {
      await Promise.all(['first', 'boom', 'third'].map((body) => smsc.sendMo('+15557654321', TO, body)));
      assert.deepEqual(
        delivered.map((e) => (e.kind === 'mo' ? e.mo.text : 'dlr')),
        ['first', 'third'],
      );
      assert.equal(errors.length, 1);
      const [err, msg] = errors[0]!;
      assert.match(String(err), /handler failed on boom/);
      assert.equal(msg.type, 'deliver');
    },
    (event) => {
      if (event.kind === 'mo' && event.mo.text === 'boom') {
        event.ack(); // acknowledged, so the SMSC does not resend it into the next assertion
        throw new Error('handler failed on boom');
      }
    },
  );
});

test('a submit that fails inside tandem is answered as a permanent local failure and reported; the next submit goes out', async () => {
  await withBind(async ({ smsc, bind, errors }) => {
    const broken = { ...submitParams('never sent'), shortMessage: undefined as unknown as Buffer };
    const first = await new Promise<SubmitResult>((reply) => bind.tell({ type: 'submit', params: broken, reply }));
    assert.deepEqual(first, LOCAL_SUBMIT_FAILURE, 'the sender gets an answer, not a wait forever');
    assert.equal(errors.length, 1);
    assert.equal(errors[0]![1].type, 'submit');
    const second = await new Promise<SubmitResult>((reply) => bind.tell({ type: 'submit', params: submitParams('after'), reply }));
    assert.equal(second.ok, true);
    assert.deepEqual(smsc.messages().map((m) => m.body), ['after']);
  });
});
