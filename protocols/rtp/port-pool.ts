// Even RTP ports from a configured range (TANDEM_RTP_PORTS); the odd port above each stays free for
// RTCP by convention (RFC 3550 §11), even though tandem does not send RTCP.

export class PortPoolExhaustedError extends Error {
  override name = 'PortPoolExhaustedError';
}

export interface PortRange {
  min: number;
  max: number;
}

/** Parses '40000-40999' into { min, max }; throws on anything that is not a usable range. */
export function parsePortRange(spec: string): PortRange {
  const m = /^\s*(\d{1,5})\s*-\s*(\d{1,5})\s*$/.exec(spec);
  if (!m) throw new RangeError(`RTP port range "${spec}" is not of the form 40000-40999`);
  const min = Number(m[1]);
  const max = Number(m[2]);
  if (min < 1024 || max > 65535 || min > max) throw new RangeError(`RTP port range "${spec}" must lie within 1024-65535, low to high`);
  const firstEven = min + (min % 2);
  if (firstEven > max) throw new RangeError(`RTP port range "${spec}" holds no even port`);
  return { min, max };
}

export class PortPool {
  readonly range: PortRange;
  private readonly ports: number[];
  private readonly inUse = new Set<number>();
  /** Round-robin so a just-released port is the last to be reused, letting stray late packets die off. */
  private cursor = 0;

  constructor(range: string | PortRange) {
    this.range = typeof range === 'string' ? parsePortRange(range) : parsePortRange(`${range.min}-${range.max}`);
    this.ports = [];
    for (let p = this.range.min + (this.range.min % 2); p <= this.range.max; p += 2) this.ports.push(p);
  }

  get size(): number {
    return this.ports.length;
  }

  get available(): number {
    return this.ports.length - this.inUse.size;
  }

  /** Takes the next free even port; throws PortPoolExhaustedError when every port is in use. */
  allocate(): number {
    for (let i = 0; i < this.ports.length; i++) {
      const port = this.ports[(this.cursor + i) % this.ports.length] as number;
      if (!this.inUse.has(port)) {
        this.inUse.add(port);
        this.cursor = (this.cursor + i + 1) % this.ports.length;
        return port;
      }
    }
    throw new PortPoolExhaustedError(
      `all ${this.ports.length} RTP ports of ${this.range.min}-${this.range.max} are in use; widen TANDEM_RTP_PORTS`,
    );
  }

  release(port: number): void {
    this.inUse.delete(port);
  }
}
