// nact builds a context object for every message an actor handles. Its persistent actors (every entity here is
// one) make theirs as `{ ...super.createContext(), persist }`: a spread followed by a property the spread object
// lacks. V8 could not reuse a hidden class for that and built a new one on every message (a perf profile of the
// outbound bench: ~1.4 % of the main thread in map creation under nact's message loop, plus the old-generation
// garbage of the maps). The base context below already has a `persist` slot, so the persistent actor's spread
// copies one stable shape and only overwrites `persist`. Same fields, same values as nact 7.6's own.
import { createRequire } from 'node:module';

interface ActorInternals {
  parent?: { reference: unknown };
  path: unknown;
  reference: unknown;
  name: string;
  childReferences: Map<string, unknown>;
  log: unknown;
}

const { Actor } = createRequire(import.meta.url)('nact/lib/actor.js') as {
  Actor: { prototype: { createContext(this: ActorInternals, sender: unknown): object } };
};

Actor.prototype.createContext = function createContext(this: ActorInternals, sender: unknown): object {
  return {
    parent: this.parent ? this.parent.reference : undefined,
    path: this.path,
    self: this.reference,
    name: this.name,
    children: new Map(this.childReferences),
    sender,
    log: this.log,
    persist: undefined,
  };
};
