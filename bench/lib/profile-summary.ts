// Summarises a V8 .cpuprofile (node --cpu-prof): self time per function (file:line function), highest first, and
// inclusive time per tandem function.
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

const FIRST_PARTY = /^(src|actors|protocols)\//;

/**
 * Inclusive time per first-party function (src/, actors/, protocols/): for each sample, every distinct tandem
 * frame on the stack is charged — where tandem's own code spends, including the libraries it calls.
 */
export function inclusiveFirstParty(profile: Profile, top = 25): { where: string; ms: number; share: number }[] {
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const label = (n: Node): string | undefined => {
    const file = n.callFrame.url.replace(/^file:\/\//, '').replace(process.cwd() + '/', '');
    return FIRST_PARTY.test(file) ? `${file} ${n.callFrame.functionName || '(anonymous)'}` : undefined;
  };
  const incl = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    let id: number | undefined = profile.samples[i]!;
    const first = byId.get(id);
    if (first && /^\((idle|program)\)$/.test(first.callFrame.functionName)) continue;
    total += dt;
    const seen = new Set<string>();
    while (id !== undefined) {
      const n = byId.get(id);
      if (!n) break;
      const l = label(n);
      if (l && !seen.has(l)) {
        seen.add(l);
        incl.set(l, (incl.get(l) ?? 0) + dt);
      }
      id = parent.get(id);
    }
  }
  return [...incl.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([where, ms]) => ({ where, ms: Math.round(ms), share: Math.round((ms / Math.max(total, 1)) * 1000) / 10 }));
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: profile-summary.ts <file.cpuprofile> [top]');
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const top = Number(process.argv[3] ?? 25);
  console.log('self time (all code):');
  for (const r of summarise(profile, top)) console.log(`${String(r.share).padStart(5)} %  ${String(r.selfMs).padStart(7)} ms  ${r.where}`);
  console.log('\ninclusive time of tandem functions (share of busy time):');
  for (const r of inclusiveFirstParty(profile, top)) console.log(`${String(r.share).padStart(5)} %  ${String(r.ms).padStart(7)} ms  ${r.where}`);
}
