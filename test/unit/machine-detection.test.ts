// The answering-machine detector on synthetic audio: a short greeting then silence is a person, a long one a
// machine (at once with Enable, at its end with DetectMessageEnd), silence is unknown, and the timeout decides.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tone, silence } from '../../protocols/rtp/index.js';
import { MACHINE_DETECTION_DEFAULTS, MachineDetector, type Detection, type MachineDetectionSettings } from '../../src/voice/machine-detection.js';

function run(pcm: Int16Array, settings: Partial<MachineDetectionSettings> = {}): Detection {
  const d = new MachineDetector({ ...MACHINE_DETECTION_DEFAULTS, mode: 'Enable', ...settings });
  for (let at = 0; at + 160 <= pcm.length; at += 160) {
    const r = d.feed(pcm.subarray(at, at + 160));
    if (r) return r;
  }
  return d.timedOut();
}

const join = (...parts: Int16Array[]): Int16Array => {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
};

test('"Hello?" then silence is a person, decided once the silence reaches the speech-end threshold', () => {
  const r = run(join(silence(400), tone([300, 800], 700, 0.3), silence(5000)));
  assert.equal(r.answeredBy, 'human');
  // 0.4 s before, 0.7 s of speech, 1.2 s of silence after it.
  assert.ok(Math.abs(r.durationMs - 2300) <= 40, `decided after ${r.durationMs} ms`);
});

test('a greeting longer than the speech threshold is a machine: at once with Enable, after its end with DetectMessageEnd', () => {
  const greeting = join(silence(300), tone([300, 800], 5000, 0.3), silence(3000));
  const start = run(greeting);
  assert.equal(start.answeredBy, 'machine_start');
  assert.ok(Math.abs(start.durationMs - 2700) <= 40, `machine_start after ${start.durationMs} ms (0.3 s + 2.4 s of speech)`);
  const end = run(greeting, { mode: 'DetectMessageEnd' });
  assert.equal(end.answeredBy, 'machine_end_silence');
  assert.ok(Math.abs(end.durationMs - 6500) <= 40, `machine_end_silence after ${end.durationMs} ms (5.3 s + 1.2 s of silence)`);
  // Short pauses inside the greeting do not end it.
  const withGaps = join(tone([400], 1000, 0.3), silence(400), tone([400], 1000, 0.3), silence(400), tone([400], 1000, 0.3), silence(2000));
  assert.equal(run(withGaps).answeredBy, 'machine_start');
});

test('silence is unknown after the silence timeout; a machine still talking at the timeout is machine_end_other', () => {
  const quiet = run(silence(20_000), { silenceTimeoutMs: 2000 });
  assert.deepEqual(quiet, { answeredBy: 'unknown', durationMs: 2000 });
  const talking = run(tone([300, 800], 8000, 0.3), { mode: 'DetectMessageEnd', timeoutMs: 4000 });
  assert.deepEqual(talking, { answeredBy: 'machine_end_other', durationMs: 4000 });
  // Line noise under the threshold is not speech.
  assert.equal(run(tone([300], 10_000, 0.005), { silenceTimeoutMs: 3000 }).answeredBy, 'unknown');
});
