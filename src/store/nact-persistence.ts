// nact's persistence engine on LMDB: events keyed [persistenceKey, sequenceNumber] so one actor's events are a
// contiguous range, and one latest snapshot per key. Reads are synchronous range scans (lmdb-js reads never
// block on I/O), writes join the environment's batched commit.
import { createRequire } from 'node:module';
import type { Database } from 'lmdb';

// nact's package index does not re-export its persistence base classes; take them from where nact defines them
// so the snapshots and events we hand back are the very classes nact's recovery expects.
const { AbstractPersistenceEngine, PersistedEvent, PersistedSnapshot } = createRequire(import.meta.url)(
  'nact/lib/persistence/persistence-engine.js',
) as NactPersistence;

interface StoredEvent {
  data: unknown;
  tags: string[];
  createdAt: number;
  isDeleted: boolean;
}

interface StoredSnapshot {
  data: unknown;
  sequenceNumber: number;
  createdAt: number;
}

export interface PersistedEventLike {
  data: unknown;
  sequenceNumber: number;
  key: string;
  tags: string[];
  createdAt: number;
  isDeleted: boolean;
}

export interface PersistedSnapshotLike {
  data: unknown;
  sequenceNumber: number;
  key: string;
  createdAt: number;
}

interface NactPersistence {
  AbstractPersistenceEngine: new () => object;
  PersistedEvent: new (data: unknown, seq: number, key: string, tags?: string[], createdAt?: number, isDeleted?: boolean) => PersistedEventLike;
  PersistedSnapshot: new (data: unknown, seq: number, key: string, createdAt?: number) => PersistedSnapshotLike;
}

export class LmdbPersistenceEngine extends AbstractPersistenceEngine {
  constructor(
    private readonly events_: Database<unknown, [string, number]>,
    private readonly snapshots: Database<unknown, string>,
  ) {
    super();
  }

  events(persistenceKey: string, offset = 0, limit?: number, tags?: string[]): PersistedEventLike[] {
    const out: PersistedEventLike[] = [];
    const range = this.events_.getRange({
      start: [persistenceKey, offset + 1],
      end: [persistenceKey, Number.MAX_SAFE_INTEGER],
      ...(limit !== undefined ? { limit } : {}),
    });
    for (const { key, value } of range) {
      const e = value as StoredEvent;
      if (tags && tags.length > 0 && !tags.every((t) => e.tags.includes(t))) continue;
      out.push(new PersistedEvent(e.data, key[1], persistenceKey, e.tags, e.createdAt, e.isDeleted));
    }
    return out;
  }

  latestSnapshot(persistenceKey: string): Promise<PersistedSnapshotLike | undefined> {
    const s = this.snapshots.get(persistenceKey) as StoredSnapshot | undefined;
    return Promise.resolve(s ? new PersistedSnapshot(s.data, s.sequenceNumber, persistenceKey, s.createdAt) : undefined);
  }

  async takeSnapshot(snapshot: PersistedSnapshotLike): Promise<void> {
    const stored: StoredSnapshot = { data: snapshot.data, sequenceNumber: snapshot.sequenceNumber, createdAt: snapshot.createdAt };
    await this.snapshots.put(snapshot.key, stored);
    // Events already folded into the snapshot are no longer needed for recovery.
    for (const key of this.events_.getKeys({ start: [snapshot.key, 0], end: [snapshot.key, snapshot.sequenceNumber + 1] })) {
      void this.events_.remove(key);
    }
  }

  async persist(event: PersistedEventLike): Promise<void> {
    const stored: StoredEvent = { data: event.data, tags: event.tags, createdAt: event.createdAt, isDeleted: event.isDeleted };
    await this.events_.put([event.key, event.sequenceNumber], stored);
  }

  /** Synchronous read used by the registry to know whether an entity has ever been snapshotted. */
  hasSnapshot(persistenceKey: string): boolean {
    return this.snapshots.doesExist(persistenceKey);
  }
}
