/**
 * A map of at most `capacity` entries that forgets the oldest-inserted first; setting a key it holds replaces the
 * value in place (the key keeps its age). The insertion order lives in a ring beside the map: finding the oldest
 * with `map.keys().next()` would make V8 step over every entry deleted since the map's last rehash, thousands of
 * them at this size (~5 µs per insert at 10,000 entries, against ~0.8).
 */
export class RecentMap<K, V> {
  private readonly map = new Map<K, V>();
  private readonly order: (K | undefined)[];
  private next = 0;

  constructor(private readonly capacity: number) {
    this.order = new Array<K | undefined>(capacity).fill(undefined);
  }

  get size(): number {
    return this.map.size;
  }

  get(key: K): V | undefined {
    return this.map.get(key);
  }

  set(key: K, value: V): void {
    // One hash lookup, not has() then set(): a new key is what grows the map.
    const size = this.map.size;
    this.map.set(key, value);
    if (this.map.size === size) return;
    const oldest = this.order[this.next];
    if (oldest !== undefined) this.map.delete(oldest);
    this.order[this.next] = key;
    this.next = this.next + 1 === this.capacity ? 0 : this.next + 1;
  }

  /** Forgets `key` now. Its old slot still comes round in turn: a key set again meanwhile may be forgotten early. */
  delete(key: K): void {
    this.map.delete(key);
  }
}
