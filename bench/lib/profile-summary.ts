// Summarises a V8 .cpuprofile (node --cpu-prof): self time per function (file:line function), highest first.
//   node --import tsx bench/lib/profile-summary.ts <file.cpuprofile> [top=25]
import { readFileSync } from 'node:fs';

interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
interface Profile { nodes: Node[]; samples: number[]; timeDeltas: number[] }

export function summarise(profile: Profile, top = 25): { where: string; selfMs: number; share: number }[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const n = byId.get(profile.samples[i]!);
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    if (!n) continue;
    total += dt;
    const f = n.callFrame;
    const file = f.url.replace(/^file:\/\//, '').replace(process.cwd() + '/', '');
    const key = `${file || '(native)'}:${f.lineNumber + 1} ${f.functionName || '(anonymous)'}`;
    self.set(key, (self.get(key) ?? 0) + dt);
  }
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([where, ms]) => ({ where, selfMs: Math.round(ms), share: Math.round((ms / Math.max(total, 1)) * 1000) / 10 }));
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: profile-summary.ts <file.cpuprofile> [top]');
    process.exit(2);
  }
  const rows = summarise(JSON.parse(readFileSync(file, 'utf8')) as Profile, Number(process.argv[3] ?? 25));
  for (const r of rows) console.log(`${String(r.share).padStart(5)} %  ${String(r.selfMs).padStart(7)} ms  ${r.where}`);
}
