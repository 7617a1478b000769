import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nact from 'nact';
import { openTables, closeTables } from '../../src/store/db.js';
import { LmdbPersistenceEngine } from '../../src/store/nact-persistence.js';

type Msg = { add: number; sender?: unknown };

test('a nact persistent actor recovers from LMDB events and snapshots after the process restarts', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-pe-'));
  const f = async (state: number, msg: Msg, ctx: { persist: (m: unknown) => Promise<void>; recovering?: boolean }) => {
    if (!ctx.recovering) await ctx.persist({ add: msg.add });
    return state + msg.add;
  };
  try {
    for (const round of [1, 2]) {
      const tables = openTables(dir);
      const engine = new LmdbPersistenceEngine(tables.actorEvents, tables.actorSnapshots);
      const system = nact.start(nact.configurePersistence(engine as never));
      const actor = nact.spawnPersistent(system, f as never, 'sum', 'sum', { initialState: 0, snapshotEvery: 3 } as never);
      const q = (n: number) => nact.query(actor as never, (_sender: unknown) => ({ add: n }), 2000);
      if (round === 1) {
        for (let i = 1; i <= 7; i++) nact.dispatch(actor as never, { add: i });
        // A query also goes through the mailbox: once answered, every earlier event is persisted.
        await q(0).catch(() => undefined);
      } else {
        // 1+…+7 = 28 was rebuilt from the latest snapshot plus the events after it.
        const snap = await engine.latestSnapshot('sum');
        assert.ok(snap, 'a snapshot was taken');
        assert.ok(snap!.sequenceNumber >= 6);
        const events = engine.events('sum', snap!.sequenceNumber);
        assert.ok(events.length >= 1, 'events after the snapshot kept');
        assert.ok(engine.events('sum', 0).every((e) => e.sequenceNumber > snap!.sequenceNumber), 'older events compacted');
        await new Promise((r) => setTimeout(r, 50));
        const state = await new Promise<number>((resolve) => {
          const probe = nact.spawnPersistent(system, (async (s: number, m: Msg, ctx: { recovering?: boolean }) => {
            if (!ctx.recovering) resolve(s);
            return s + (ctx.recovering ? m.add : 0);
          }) as never, 'sum', 'probe', { initialState: 0 } as never);
          nact.dispatch(probe as never, { add: 0 });
        });
        assert.equal(state, 28);
      }
      nact.stop(system);
      await closeTables(tables);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
