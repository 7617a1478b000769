// Runs every *.test.ts under test/ with node's own test runner (Node 20 has no --test glob).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';

function collect(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...collect(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const filter = process.argv.slice(2);
// The bench's own arithmetic (bench/test) is part of the suite: its figures are quoted in the README and notes.
const files = [...collect('test'), ...collect('bench/test')].filter((f) => filter.length === 0 || filter.some((s) => f.includes(s)));
const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files], { stdio: 'inherit' });
child.on('exit', (code) => process.exit(code ?? 1));
