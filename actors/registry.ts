// The entity registry: spawns an actor per key on first use, finds it by key without messaging any parent, and
// passivates actors that went idle, so memory follows *active* entities, not provisioned ones.
//
// Shape (after Akka Cluster Sharding's region/shard/entity): the registry is the local region; entities are
// children of a fixed set of shard parents chosen by key hash (nact copies an actor's children map on each of
// its messages, so no single parent may hold many children; shard parents never receive messages anyway).
//
// Passivation is a handshake, never a race: the registry sends `$passivate` and from then on buffers every
// message for that key; the actor snapshots its state durably (or declines while it still has work), and only
// then is it stopped. Messages that arrived meanwhile go to a fresh incarnation restored from that snapshot.
import nact from 'nact';
import type { Ref } from 'nact';
import type { LmdbPersistenceEngine } from '../src/store/nact-persistence.js';
import { createRequire } from 'node:module';
import './nact-context.js';

const { spawn, spawnPersistent, stop } = nact;
const require = createRequire(import.meta.url);
const { PersistedSnapshot } = require('nact/lib/persistence/persistence-engine.js') as {
  PersistedSnapshot: new (data: unknown, seq: number, key: string) => unknown;
};
const systemMap = require('nact/lib/system-map.js') as { find(systemName: string, ref: unknown): ConcreteActor | undefined };
const { Nobody } = require('nact/lib/references.js') as { Nobody: new () => object };

/** The actor object behind a nact reference: what nact's `dispatch(ref, msg)` looks up on every call. */
interface ConcreteActor {
  dispatch(msg: unknown, sender: object): void;
  stopped?: boolean;
}

/** nact gives every message without a sender a fresh `Nobody`; ours share one. */
const NOBODY = new Nobody();

export interface EntityContext<M> {
  readonly key: string;
  /** Deliver a message to this entity later (timers, callbacks): goes through the registry, so it survives passivation. */
  tell(msg: M): void;
  /** Persist an event before acting on it; on recovery the same handler sees it again with `recovering` true. */
  persist(event: M): Promise<void>;
  readonly recovering: boolean;
  readonly log: EntityLogger;
}

export interface EntityLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export interface EntityBehaviour<S, M> {
  /** Short name used in persistence keys and metrics: `number`, `bind`, `call`. */
  readonly kind: string;
  initial(key: string): S;
  /** Called once per incarnation, after the state was restored and before the first message. */
  wake?(state: S, ctx: EntityContext<M>): S | Promise<S>;
  handle(state: S, msg: M, ctx: EntityContext<M>): S | Promise<S>;
  /** False while the entity holds work that must keep running (timers, queued items). */
  canPassivate?(state: S): boolean;
  /** Reduce the state to what must survive passivation (drop caches, timers, sockets). */
  toSnapshot?(state: S): unknown;
  fromSnapshot?(data: unknown, key: string): S;
}

type Internal<M> =
  | { $: 'wake' }
  | { $: 'passivate' }
  | { $: 'user'; msg: M }
  | { $: 'ask'; msg: M; resolve: (state: unknown) => void };

interface WrapperState<S> {
  s: S;
  /** Mirror of nact's event sequence number, so the snapshot we write at passivation is consistent with it. */
  seq: number;
}

interface Entry<M> {
  ref: Ref<Internal<M>>;
  /**
   * The actor behind `ref`, found once at spawn. nact's `dispatch(ref, msg)` finds it again on every message
   * (the system by name, then each level of the path in its parent's children map): ~3 % of the main thread under
   * the outbound bench (perf record).
   */
  actor: ConcreteActor;
  lastUsed: number;
  passivating: boolean;
  buffered: Internal<M>[];
}

export interface RegistryOptions {
  idleMs: number;
  shards?: number;
  /** How often idle entities are looked for; defaults to idleMs / 2. */
  sweepMs?: number;
  log: EntityLogger;
}

function actorName(key: string): string {
  return key.replace(/[^a-z0-9\-$_.+!*'(),]/gi, (c) => '_' + c.charCodeAt(0).toString(16));
}

function hash(key: string): number {
  let h = 2166136261;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** What nact's `dispatch` does once it has found the actor: a stopped actor's messages go nowhere. */
function send<M>(e: Entry<M>, msg: Internal<M>): void {
  if (!e.actor.stopped) e.actor.dispatch(msg, NOBODY);
}

export class EntityRegistry<S, M> {
  private readonly entries = new Map<string, Entry<M>>();
  private readonly shards: Ref<never>[];
  private readonly sweeper: NodeJS.Timeout;
  private passivations = 0;
  private spawns = 0;
  private closed = false;

  constructor(
    system: Ref<never>,
    private readonly engine: LmdbPersistenceEngine,
    private readonly behaviour: EntityBehaviour<S, M>,
    private readonly opts: RegistryOptions,
  ) {
    const n = opts.shards ?? 64;
    this.shards = Array.from({ length: n }, (_, i) =>
      spawn(system, (state: unknown) => state, `${behaviour.kind}-shard-${i}`) as unknown as Ref<never>,
    );
    this.sweeper = setInterval(() => this.sweep(), opts.sweepMs ?? Math.max(5, Math.floor(opts.idleMs / 2)));
    this.sweeper.unref();
  }

  /** Fire-and-forget delivery to the entity for `key`, spawning (and restoring) it when needed. */
  tell(key: string, msg: M): void {
    this.deliver(key, { $: 'user', msg });
  }

  /** Deliver and wait until the entity has handled the message; resolves with the entity's new state. */
  ask(key: string, msg: M): Promise<S> {
    return new Promise<S>((resolve) => this.deliver(key, { $: 'ask', msg, resolve: resolve as (s: unknown) => void }));
  }

  isActive(key: string): boolean {
    return this.entries.has(key);
  }

  stats(): { active: number; spawns: number; passivations: number } {
    return { active: this.entries.size, spawns: this.spawns, passivations: this.passivations };
  }

  /** Passivate every idle entity now (used by tests and shutdown). */
  async passivateAll(): Promise<void> {
    for (const [key, e] of this.entries) if (!e.passivating) this.beginPassivation(key, e);
    const deadline = Date.now() + 10_000;
    while (this.pendingPassivations() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    await this.passivateAll();
    this.closed = true;
  }

  private pendingPassivations(): number {
    let n = 0;
    for (const e of this.entries.values()) if (e.passivating) n++;
    return n;
  }

  private deliver(key: string, msg: Internal<M>): void {
    let e = this.entries.get(key);
    if (!e) e = this.spawnEntity(key);
    e.lastUsed = Date.now();
    if (e.passivating) e.buffered.push(msg);
    else send(e, msg);
  }

  private spawnEntity(key: string): Entry<M> {
    if (this.closed) throw new Error(`registry for ${this.behaviour.kind} is closed`);
    const b = this.behaviour;
    const registry = this;
    const persistenceKey = `${b.kind}:${key}`;
    const shard = this.shards[hash(key) % this.shards.length]!;
    const log = this.opts.log;

    // One context per incarnation: the hot path allocates nothing per message beyond what the behaviour does.
    let current: { persist: (e: unknown) => Promise<void>; recovering?: boolean } | undefined;
    let wrapper: WrapperState<S> | undefined;
    const ctx: EntityContext<M> = {
      key,
      tell: (m: M) => registry.tell(key, m),
      persist: async (event: M) => {
        await current!.persist({ $: 'user', msg: event });
        if (wrapper) wrapper.seq += 1;
      },
      get recovering() {
        return current?.recovering === true;
      },
      log,
    };
    const settle = (state: WrapperState<S>, next: S | Promise<S>): WrapperState<S> | Promise<WrapperState<S>> => {
      if (next instanceof Promise) {
        return next.then((s) => {
          state.s = s;
          return state;
        });
      }
      state.s = next;
      return state;
    };

    const handler = (state: WrapperState<S>, msg: Internal<M>, nctx: { persist: (e: unknown) => Promise<void>; recovering?: boolean }) => {
      current = nctx;
      wrapper = state;
      if (nctx.recovering) {
        // Replaying a persisted event: only user events are ever persisted.
        state.seq += 1;
        return settle(state, b.handle(state.s, (msg as { msg: M }).msg, ctx));
      }
      switch (msg.$) {
        case 'wake':
          return b.wake ? settle(state, b.wake(state.s, ctx)) : state;
        case 'user':
          return settle(state, b.handle(state.s, msg.msg, ctx));
        case 'ask': {
          const r = settle(state, b.handle(state.s, msg.msg, ctx));
          if (r instanceof Promise) return r.then((w) => (msg.resolve(w.s), w));
          msg.resolve(r.s);
          return r;
        }
        case 'passivate': {
          if (b.canPassivate && !b.canPassivate(state.s)) {
            registry.passivationDeclined(key);
            return state;
          }
          const data = b.toSnapshot ? b.toSnapshot(state.s) : state.s;
          return registry.engine
            .takeSnapshot(new PersistedSnapshot({ s: data, seq: state.seq }, state.seq, persistenceKey) as never)
            .then(() => {
              registry.passivated(key);
              return state;
            });
        }
      }
    };

    const ref = spawnPersistent(
      shard as never,
      handler as never,
      persistenceKey,
      actorName(key),
      {
        initialState: { s: b.initial(key), seq: 0 },
        snapshotDecoder: (raw: unknown) => {
          const w = raw as WrapperState<unknown>;
          return { s: b.fromSnapshot ? b.fromSnapshot(w.s, key) : (w.s as S), seq: w.seq };
        },
        onCrash: (msg: unknown, err: Error, ctx: { resume: symbol }) => {
          log.error({ err, kind: b.kind, key, msg }, 'entity handler failed; message skipped');
          return ctx.resume;
        },
      } as never,
    ) as unknown as Ref<Internal<M>>;
    this.spawns++;
    const actor = systemMap.find((ref as unknown as { system: { name: string } }).system.name, ref);
    if (!actor) throw new Error(`${b.kind} actor for ${key} vanished as it was spawned`);
    const entry: Entry<M> = { ref, actor, lastUsed: Date.now(), passivating: false, buffered: [] };
    this.entries.set(key, entry);
    send(entry, { $: 'wake' });
    return entry;
  }

  private sweep(): void {
    const cutoff = Date.now() - this.opts.idleMs;
    for (const [key, e] of this.entries) {
      if (!e.passivating && e.lastUsed <= cutoff) this.beginPassivation(key, e);
    }
  }

  private beginPassivation(key: string, e: Entry<M>): void {
    e.passivating = true;
    send(e, { $: 'passivate' });
  }

  private passivationDeclined(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    e.passivating = false;
    e.lastUsed = Date.now();
    const pending = e.buffered.splice(0);
    for (const m of pending) send(e, m);
  }

  private passivated(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    stop(e.ref);
    this.passivations++;
    // Whatever arrived while the snapshot was being written goes to a fresh incarnation restored from it.
    if (e.buffered.length > 0 && !this.closed) {
      const fresh = this.spawnEntity(key);
      for (const m of e.buffered) send(fresh, m);
    }
  }
}
