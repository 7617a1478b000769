// The bench's arithmetic: what a reader of the table relies on.
//   node --import tsx --test bench/test/figures.test.ts
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maxInOneSecond } from '../scenarios/pacing.js';
import { pathFigures } from '../lib/delivery.js';
import { percentile, sortedCopy } from '../lib/stats.js';
import { headlineRows, renderTable } from '../lib/report.js';
import { renderSvg } from '../lib/svg.js';
import { medianOf } from '../lib/scenario.js';

test('max per sender in any 1 s window: 1 at a steady 1/s, 2 when two land within 999 ms', () => {
  assert.equal(maxInOneSecond([0, 1005, 2010, 3015]), 1);
  assert.equal(maxInOneSecond([0, 1000, 2000]), 1, 'exactly one second apart is two windows');
  assert.equal(maxInOneSecond([0, 1005, 2004, 2010]), 2);
  assert.equal(maxInOneSecond([]), 0);
});

test('nearest-rank percentiles', () => {
  const s = sortedCopy(Array.from({ length: 100 }, (_, i) => 100 - i));
  assert.equal(percentile(s, 50), 50);
  assert.equal(percentile(s, 99), 99);
  assert.equal(percentile(s, 100), 100);
  assert.ok(Number.isNaN(percentile(sortedCopy([]), 50)));
});

test('path figures pair each arrival with its request, count a duplicate once, and time from the first request', () => {
  const startedAt = [1000, 1000, 1010, 1020];
  const f = pathFigures(startedAt, 4, 1000, 1500, { n: 4, idx: [0, 1, 2, 1], at: [1010, 1020, 1030, 1999], from: ['a', 'b', 'c', 'b'] });
  assert.equal(f.arrived, 3);
  assert.equal(f.duplicates, 1);
  assert.equal(f.msgs_per_s, 100, '3 messages between the first request (1000) and the last arrival (1030)');
  assert.equal(f.accepted_per_s, 8);
  assert.equal(f.p50_ms, 20);
});

test('medians ignore runs without the figure', () => {
  assert.deepEqual(medianOf([{ a: 1 }, { a: 3 }, { a: 2, b: 5 }], ['a', 'b'] as const), { a: 2, b: 5 });
  assert.deepEqual(medianOf([{}], ['a'] as const), {});
});

test('the table judges targets and shows a skipped side as a reason, not a zero', () => {
  const rows = headlineRows({
    ceiling: { outbound_per_s: 10_000, inbound_per_s: 8_000, smpp_submit_per_s: 30_000, webhook_per_s: 20_000 },
    outbound: { tandem: { msgs_per_s: 7_000, p50_ms: 3, p99_ms: 9, rss_mb: 120 }, kannel: { msgs_per_s: 3_000 }, ratio: 2.33 },
    inbound: { tandem: { skipped: 'inbound SMS is not wired' }, kannel: { replies_per_s: 2_500 } },
    pacing: { workload: { senders: 5000 }, tandem: { rate_vs_ideal: 0.99, max_per_sender_per_s: 2 } },
  });
  const out = rows.find((r) => r.scenario === 'outbound' && r.figure.includes('msgs/s'))!;
  assert.equal(out.ok, true);
  assert.match(out.relative, /2\.33× Kannel, 70 % of ceiling/);
  const inbound = rows.filter((r) => r.scenario === 'inbound');
  assert.equal(inbound.length, 1);
  assert.equal(inbound[0]!.figure, 'skipped');
  assert.match(inbound[0]!.relative, /not wired/);
  assert.equal(rows.find((r) => r.figure === 'max per sender in any 1 s')!.ok, false);
  const table = renderTable(rows);
  assert.match(table, /\| outbound +\| REST → submit_sm, msgs\/s/);
});

test("CPU per message shows tandem's main thread beside all its threads, and Kannel's total alone", () => {
  const rows = headlineRows({
    outbound: { tandem: { msgs_per_s: 3_000, cpu_us_per_msg: 330, main_thread_cpu_us_per_msg: 227 }, kannel: { msgs_per_s: 2_800, cpu_us_per_msg: 385 }, ratio: 1.07 },
  });
  const cpu = rows.find((r) => r.scenario === 'outbound' && r.figure.startsWith('CPU per message, all threads'))!;
  assert.equal(cpu.tandem, '330 µs (227)');
  assert.equal(cpu.kannel, '385 µs');
});

test('the path with status callbacks gets its own row: each side, its callbacks per message, and the ratio', () => {
  const rows = headlineRows({
    outbound: {
      tandem: { msgs_per_s: 9_000 },
      kannel: { msgs_per_s: 5_000 },
      ratio: 1.8,
      with_callbacks: {
        concurrent_clients: 64,
        tandem: { msgs_per_s: 4_200, callbacks_per_msg: 3, cpu_us_per_msg: 230 },
        kannel: { msgs_per_s: 2_000, callbacks_per_msg: 1.9, cpu_us_per_msg: 700 },
        ratio: 2.1,
      },
    },
  });
  const row = rows.find((r) => r.figure.startsWith('with status callbacks'))!;
  assert.equal(row.tandem, '4,200; 3 callbacks/msg, 230 µs');
  assert.equal(row.kannel, '2,000; 1.9 callbacks/msg, 700 µs');
  assert.equal(row.relative, '2.1× Kannel');
  assert.equal(headlineRows({ outbound: { tandem: { msgs_per_s: 9_000 }, kannel: { msgs_per_s: 5_000 } } }).some((r) => r.figure.startsWith('with status callbacks')), false);
});

test('the SVG is one well-formed document with a bar per side', () => {
  const rows = headlineRows({
    ceiling: { outbound_per_s: 10_000, inbound_per_s: 8_000 },
    outbound: { tandem: { msgs_per_s: 7_000 }, kannel: { msgs_per_s: 3_000 }, ratio: 2.33 },
  });
  const svg = renderSvg(rows, { date: '2026-11-27T16:00:00.000Z', quick: true, machine: { cpus: 2, model: 'x <&> y', node: 'v20' } });
  assert.match(svg, /^<svg [^>]+>/);
  assert.equal((svg.match(/<svg/g) ?? []).length, 1);
  assert.match(svg, /<\/svg>\n$/);
  assert.equal((svg.match(/<rect x="250"/g) ?? []).length, 3, 'tandem, Kannel and ceiling bars');
  assert.ok(svg.includes('x &lt;&amp;&gt; y'), 'text is escaped');
});
