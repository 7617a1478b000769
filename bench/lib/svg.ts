// The headline chart as hand-written SVG (no dependencies): throughput bars (tandem, Kannel, the parts' ceiling)
// and latency bars, one group per headline figure. Each group has its own linear scale (a p99 of seconds next to
// one of milliseconds would flatten the other): compare bars within a group, read values off the labels.
import type { Row } from './report.js';

const W = 760;
const BAR = 16;
const GAP = 4;
const LABEL_W = 250;
const PLOT_W = W - LABEL_W - 90;
const COLORS = { tandem: '#2563eb', kannel: '#9ca3af', ceiling: '#f59e0b', ideal: '#10b981', target: '#ef4444' } as const;

const esc = (s: string): string => s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
const fmt = (x: number): string => (x >= 100 ? Math.round(x).toLocaleString('en-US') : String(Math.round(x * 10) / 10));

interface Panel { title: string; unit: string; groups: { label: string; bars: { key: keyof typeof COLORS; value: number }[] }[] }

export function renderSvg(rows: Row[], meta: { date: string; quick: boolean; machine: Record<string, unknown> }): string {
  const panels: Panel[] = [];
  for (const [kind, title, unit] of [['rate', 'Throughput per second (higher is better)', '/s'], ['ms', 'Latency, p99 or start-up (lower is better)', ' ms']] as const) {
    const groups = rows
      .filter((r) => r.chart?.kind === kind)
      .map((r) => ({
        label: r.chart!.label,
        bars: (['tandem', 'kannel', 'ceiling', 'ideal', 'target'] as const)
          .filter((k) => typeof r.chart![k] === 'number' && Number.isFinite(r.chart![k]))
          .map((k) => ({ key: k, value: r.chart![k]! })),
      }))
      .filter((g) => g.bars.length > 0);
    if (groups.length) panels.push({ title, unit, groups });
  }
  const out: string[] = [];
  let y = 40;
  for (const p of panels) {
    out.push(`<text x="12" y="${y}" font-weight="bold">${esc(p.title)}</text>`);
    y += 14;
    for (const g of p.groups) {
      const max = Math.max(...g.bars.map((b) => b.value), 1e-9);
      const h = g.bars.length * (BAR + GAP);
      out.push(`<text x="12" y="${y + h / 2 + 4}" font-size="12">${esc(g.label.length > 40 ? g.label.slice(0, 39) + '…' : g.label)}</text>`);
      for (const b of g.bars) {
        const w = Math.max(1, (b.value / max) * PLOT_W);
        out.push(`<rect x="${LABEL_W}" y="${y}" width="${w.toFixed(1)}" height="${BAR}" fill="${COLORS[b.key]}"><title>${b.key}: ${fmt(b.value)}${p.unit}</title></rect>`);
        out.push(`<text x="${(LABEL_W + w + 4).toFixed(1)}" y="${y + BAR - 3}" font-size="11">${fmt(b.value)}${esc(p.unit)}</text>`);
        y += BAR + GAP;
      }
      y += 10;
    }
    y += 16;
  }
  if (panels.length === 0) {
    out.push(`<text x="12" y="${y}">no throughput or latency figures in this run</text>`);
    y += 30;
  }
  // Legend and provenance.
  let lx = 12;
  for (const [k, label] of [['tandem', 'tandem'], ['kannel', 'Kannel 1.4.5 (store on)'], ['ceiling', "parts' ceiling"], ['ideal', 'ideal'], ['target', 'target']] as const) {
    out.push(`<rect x="${lx}" y="${y - 10}" width="12" height="12" fill="${COLORS[k]}"/><text x="${lx + 16}" y="${y}" font-size="12">${label}</text>`);
    lx += 28 + label.length * 6.5;
  }
  y += 22;
  const m = meta.machine;
  out.push(`<text x="12" y="${y}" font-size="11" fill="#555">${esc(`${meta.date.slice(0, 16).replace('T', ' ')} UTC · ${String(m.cpus)} × ${String(m.model)} · node ${String(m.node)}${meta.quick ? ' · --quick' : ''}`)}</text>`);
  y += 12;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${y}" viewBox="0 0 ${W} ${y}" font-family="system-ui, sans-serif">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="12" y="20" font-size="15" font-weight="bold">tandem benchmark</text>`,
    ...out,
    '</svg>',
    '',
  ].join('\n');
}
