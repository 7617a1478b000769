import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nact from 'nact';
import { openTables, closeTables } from '../../src/store/db.js';
import { LmdbPersistenceEngine } from '../../src/store/nact-persistence.js';
import { EntityRegistry, type EntityBehaviour } from '../../actors/registry.js';
import { memoryLogger } from '../helpers/log.js';

type Msg = { add: number } | { boom: true } | { hold: boolean };
interface Counter { total: number; seen: number[]; holding: boolean }

const counter: EntityBehaviour<Counter, Msg> = {
  kind: 'counter',
  initial: () => ({ total: 0, seen: [], holding: false }),
  handle(state, msg) {
    if ('boom' in msg) throw new Error('bad message');
    if ('hold' in msg) return { ...state, holding: msg.hold };
    return { ...state, total: state.total + msg.add, seen: [...state.seen, msg.add] };
  },
  canPassivate: (s) => !s.holding,
};

function setup(dir: string, idleMs = 50) {
  const tables = openTables(dir);
  const engine = new LmdbPersistenceEngine(tables.actorEvents, tables.actorSnapshots);
  const system = nact.start(nact.configurePersistence(engine as never));
  const registry = new EntityRegistry(system as never, engine, counter, { idleMs, log: memoryLogger() });
  return { tables, engine, system, registry };
}

test('an idle entity is passivated, frees its slot, and comes back from its LMDB snapshot with its state', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-reg-'));
  try {
    const { tables, system, registry } = setup(dir, 40);
    for (let i = 1; i <= 5; i++) registry.tell('+14155550100', { add: i });
    const s = await registry.ask('+14155550100', { add: 10 });
    assert.equal(s.total, 25);
    assert.equal(registry.stats().active, 1);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(registry.stats().active, 0, 'idle entity passivated');
    assert.equal(registry.stats().passivations, 1);
    const back = await registry.ask('+14155550100', { add: 1 });
    assert.equal(back.total, 26, 'state restored from the snapshot');
    assert.deepEqual(back.seen, [1, 2, 3, 4, 5, 10, 1], 'order kept');
    await registry.close();
    nact.stop(system);
    await closeTables(tables);

    // A new process (new system, reopened environment) finds the same state.
    const again = setup(dir, 10_000);
    const restored = await again.registry.ask('+14155550100', { add: 0 });
    assert.equal(restored.total, 26);
    await again.registry.close();
    nact.stop(again.system);
    await closeTables(again.tables);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('messages sent while an entity is being passivated are not lost', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-reg-'));
  try {
    const { tables, system, registry } = setup(dir, 1_000_000);
    await registry.ask('k', { add: 1 });
    const p = registry.passivateAll();
    for (let i = 0; i < 100; i++) registry.tell('k', { add: 1 });
    await p;
    const s = await registry.ask('k', { add: 0 });
    assert.equal(s.total, 101);
    await registry.close();
    nact.stop(system);
    await closeTables(tables);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an entity that still has work declines passivation; a crashing message is skipped, not fatal', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-reg-'));
  try {
    const { tables, system, registry } = setup(dir, 30);
    await registry.ask('busy', { hold: true });
    registry.tell('busy', { boom: true });
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(registry.isActive('busy'), true, 'holding entity stays active');
    const s = await registry.ask('busy', { add: 2 });
    assert.equal(s.total, 2, 'actor survived the crash');
    await registry.ask('busy', { hold: false });
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(registry.isActive('busy'), false);
    await registry.close();
    nact.stop(system);
    await closeTables(tables);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('memory follows active entities: 20,000 touched then passivated leaves none resident', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-reg-'));
  try {
    const { tables, system, registry } = setup(dir, 1_000_000);
    const keys = Array.from({ length: 20_000 }, (_, i) => `+1415${String(i).padStart(7, '0')}`);
    await Promise.all(keys.map((k) => registry.ask(k, { add: 1 })));
    assert.equal(registry.stats().active, 20_000);
    await registry.passivateAll();
    assert.equal(registry.stats().active, 0);
    const s = await registry.ask(keys[12345]!, { add: 1 });
    assert.equal(s.total, 2);
    await registry.close();
    nact.stop(system);
    await closeTables(tables);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("an async handler finishes before the entity's next message starts, and a failing one is logged and skipped", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-reg-'));
  try {
    const tables = openTables(dir);
    const engine = new LmdbPersistenceEngine(tables.actorEvents, tables.actorSnapshots);
    const system = nact.start(nact.configurePersistence(engine as never));
    const log = memoryLogger();
    const events: string[] = [];
    type Step = { id: number; ms: number; fail?: boolean };
    const slow: EntityBehaviour<{ done: number[] }, Step> = {
      kind: 'slow',
      initial: () => ({ done: [] }),
      async handle(state, m) {
        events.push(`start ${m.id}`);
        await new Promise((r) => setTimeout(r, m.ms));
        events.push(`end ${m.id}`);
        if (m.fail) throw new Error(`step ${m.id} failed`);
        return { done: [...state.done, m.id] };
      },
    };
    const registry = new EntityRegistry(system as never, engine, slow, { idleMs: 1_000_000, log });
    registry.tell('k', { id: 1, ms: 30 });
    registry.tell('k', { id: 2, ms: 1, fail: true });
    registry.tell('k', { id: 3, ms: 10 });
    const s = await registry.ask('k', { id: 4, ms: 0 });
    assert.deepEqual(events, ['start 1', 'end 1', 'start 2', 'end 2', 'start 3', 'end 3', 'start 4', 'end 4']);
    assert.deepEqual(s.done, [1, 3, 4], 'the failed step changed nothing; the ones after it ran');
    assert.ok(
      log.lines.some((l) => l.level === 'error' && /entity handler failed/.test(l.msg ?? '') && /step 2 failed/.test(String((l.obj as { err?: unknown }).err))),
      'failure logged',
    );
    await registry.close();
    nact.stop(system);
    await closeTables(tables);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
