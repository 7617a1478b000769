import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { MediaClock } from '../../protocols/rtp/clock.js';

test('one clock ticks every subscriber on the same 20 ms grid without drifting', async () => {
  const clock = new MediaClock();
  const seen: Record<string, number[]> = { a: [], b: [] };
  const start = performance.now();
  const offA = clock.subscribe((tick) => seen.a!.push(tick));
  const offB = clock.subscribe((tick) => seen.b!.push(tick));
  await sleep(1000);
  offA();
  offB();
  const elapsed = performance.now() - start;
  assert.deepEqual(seen.a, seen.b);
  // Drift would show as a shortfall growing with time; allow one tick either side for the sleep's own slack.
  assert.ok(Math.abs(seen.a!.length - elapsed / 20) <= 2, `${seen.a!.length} ticks in ${elapsed.toFixed(0)} ms`);
  assert.equal(clock.stats().subscribers, 0);
});

test('a throwing subscriber is reported and does not stop the others', async () => {
  const errors: unknown[] = [];
  const clock = new MediaClock({ onHandlerError: (e) => errors.push(e) });
  let ticks = 0;
  const offBad = clock.subscribe(() => {
    throw new Error('boom');
  });
  const offGood = clock.subscribe(() => ticks++);
  await sleep(110);
  offBad();
  offGood();
  assert.ok(ticks >= 4, `${ticks} ticks`);
  assert.equal(errors.length, ticks);
});

test('a subscriber may unsubscribe itself and others may join during a tick', async () => {
  const clock = new MediaClock();
  const order: string[] = [];
  let offLate: (() => void) | undefined;
  const offOnce = clock.subscribe(() => {
    order.push('once');
    offOnce();
    offLate = clock.subscribe(() => order.push('late'));
  });
  await sleep(90);
  offLate?.();
  assert.equal(order.filter((x) => x === 'once').length, 1);
  assert.ok(order.filter((x) => x === 'late').length >= 2);
  assert.equal(clock.subscribers, 0);
});

test('with phases, subscribers spread over the period: each ticks every 20 ms without drift, at its own offset', async () => {
  const clock = new MediaClock({ phases: 4 });
  const calls: { tick: number; at: number }[][] = [[], [], [], []];
  const start = performance.now();
  const offs = calls.map((log) => clock.subscribe((tick) => log.push({ tick, at: performance.now() })));
  await sleep(1000);
  for (const off of offs) off();
  const elapsed = performance.now() - start;
  for (const log of calls) {
    assert.ok(Math.abs(log.length - elapsed / 20) <= 2, `${log.length} ticks in ${elapsed.toFixed(0)} ms`);
    assert.ok(log.every((c, i) => i === 0 || c.tick === log[i - 1]!.tick + 1), 'consecutive tick numbers');
  }
  // Within one tick the four phases go out 5 ms apart, not in one burst: the first and last are ~15 ms apart.
  const spreads: number[] = [];
  for (const c of calls[0]!) {
    const times = calls.map((log) => log.find((x) => x.tick === c.tick)?.at);
    if (times.every((t) => t !== undefined)) spreads.push(Math.max(...(times as number[])) - Math.min(...(times as number[])));
  }
  spreads.sort((a, b) => a - b);
  const median = spreads[Math.floor(spreads.length / 2)]!;
  assert.ok(median >= 12 && median <= 18, `median spread within a tick ${median.toFixed(1)} ms`);
  assert.equal(clock.subscribers, 0);
});

test('clocks given grid offsets tick on the shared monotonic grid, apart by their offsets', async () => {
  const { hrtime } = await import('node:process');
  const atOffset = (offsetMs: number) => {
    const clock = new MediaClock({ gridOffsetMs: offsetMs });
    const phases: number[] = [];
    const off = clock.subscribe(() => phases.push(Number(hrtime.bigint() % 20_000_000n) / 1e6));
    return { clock, phases, off };
  };
  const a = atOffset(0);
  const b = atOffset(10);
  await sleep(500);
  a.off();
  b.off();
  // Where in the 20 ms period each clock's handlers ran: the median is just past its offset (timers fire a little late).
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  const ma = median(a.phases.map((p) => (p >= 15 ? p - 20 : p)));
  const mb = median(b.phases);
  assert.ok(ma >= -0.6 && ma < 3, `clock at offset 0 ticks ${ma.toFixed(2)} ms into the period`);
  assert.ok(mb >= 9.4 && mb < 13, `clock at offset 10 ticks ${mb.toFixed(2)} ms into the period`);
  assert.throws(() => new MediaClock({ gridOffsetMs: 20 }), RangeError);
});
