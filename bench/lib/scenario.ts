// What every scenario gets from the runner, and what it hands back.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, round } from './stats.js';

export interface ScenarioContext {
  quick: boolean;
  log(msg: string): void;
  /** A fresh temp dir, removed when the scenario ends. */
  tmpDir(prefix: string): string;
  /** Kannel's availability for the side-by-side runs (checked once per bench run). */
  kannel: { ok: true; note: string } | { ok: false; reason: string };
}

/** A scenario's figures: nested plain JSON. `skipped` carries the reason when it could not run. */
export type Figures = Record<string, unknown>;

export interface Scenario {
  name: string;
  run(ctx: ScenarioContext): Promise<Figures>;
}

export class TempDirs {
  private readonly dirs: string[] = [];
  make(prefix: string): string {
    const d = mkdtempSync(join(tmpdir(), `tandem-bench-${prefix}-`));
    this.dirs.push(d);
    return d;
  }
  removeAll(): void {
    for (const d of this.dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  }
}

/** Median of each numeric key over runs (keys missing in a run are ignored for that run). */
export function medianOf<K extends string>(runs: Partial<Record<K, number>>[], keys: readonly K[], digits = 1): Partial<Record<K, number>> {
  const out: Partial<Record<K, number>> = {};
  for (const k of keys) {
    const xs = runs.map((r) => r[k]).filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
    if (xs.length > 0) out[k] = round(median(xs), digits);
  }
  return out;
}

/** A B A B…: `pairs` turns each; a side that throws is recorded once and not run again. */
export async function alternate<A, B>(
  pairs: number,
  a: (i: number) => Promise<A>,
  b: ((i: number) => Promise<B>) | null,
  log: (m: string) => void,
): Promise<{ a: A[]; b: B[]; bError?: string }> {
  const out: { a: A[]; b: B[]; bError?: string } = { a: [], b: [] };
  for (let i = 0; i < pairs; i++) {
    out.a.push(await a(i));
    if (b && out.bError === undefined) {
      try {
        out.b.push(await b(i));
      } catch (e) {
        out.bError = String(e instanceof Error ? e.message : e).slice(0, 500);
        log(`  kannel run failed: ${out.bError}`);
      }
    }
  }
  return out;
}
