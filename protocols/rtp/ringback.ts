// The ringback tone a caller hears while a <Dial> rings: each country's own (ITU-T E.180 and national plans), as
// Twilio's `ringTone` names them. One cadence cycle (tones and the silence after them), to be played in a loop.
import { concat, silence, tone } from './tone.js';

interface Cadence {
  /** Frequencies sounded together, Hz. */
  hz: readonly number[];
  /** Alternating on, off, on, off… in ms. */
  pattern: readonly number[];
}

const EUROPEAN_1_4: Cadence = { hz: [425], pattern: [1000, 4000] };
const DOUBLE_RING: Cadence = { hz: [400, 450], pattern: [400, 200, 400, 2000] };

/** Twilio's ringTone values. */
const CADENCES: Readonly<Record<string, Cadence>> = {
  us: { hz: [440, 480], pattern: [2000, 4000] },
  // 420 Hz modulated at 40 Hz: the carrier and its two sidebands.
  'us-old': { hz: [380, 420, 460], pattern: [2000, 4000] },
  uk: DOUBLE_RING,
  au: { hz: [425, 400], pattern: [400, 200, 400, 2000] },
  nz: DOUBLE_RING,
  za: { hz: [400, 433], pattern: [400, 200, 400, 2000] },
  in: { hz: [400, 425], pattern: [400, 200, 400, 2000] },
  my: { hz: [425], pattern: [400, 200, 400, 2000] },
  sg: { hz: [425], pattern: [400, 200, 400, 2000] },
  tw: { hz: [440, 480], pattern: [1000, 2000] },
  ph: { hz: [425, 480], pattern: [1000, 4000] },
  jp: { hz: [384, 416], pattern: [1000, 2000] },
  cn: { hz: [450], pattern: [1000, 4000] },
  th: { hz: [400], pattern: [1000, 4000] },
  il: { hz: [414], pattern: [1000, 3000] },
  fr: { hz: [440], pattern: [1500, 3500] },
  be: { hz: [425], pattern: [1000, 3000] },
  es: { hz: [425], pattern: [1500, 3000] },
  at: { hz: [420], pattern: [1000, 5000] },
  se: { hz: [425], pattern: [1000, 5000] },
  pt: { hz: [425], pattern: [1000, 5000] },
  ru: { hz: [425], pattern: [800, 3200] },
  hu: { hz: [425], pattern: [1250, 3750] },
  ve: { hz: [425], pattern: [1000, 4000] },
  cl: { hz: [400], pattern: [1000, 3000] },
  br: EUROPEAN_1_4,
  bg: EUROPEAN_1_4,
  ch: EUROPEAN_1_4,
  cz: EUROPEAN_1_4,
  de: EUROPEAN_1_4,
  dk: EUROPEAN_1_4,
  ee: EUROPEAN_1_4,
  fi: EUROPEAN_1_4,
  gr: EUROPEAN_1_4,
  it: EUROPEAN_1_4,
  lt: EUROPEAN_1_4,
  mx: EUROPEAN_1_4,
  nl: EUROPEAN_1_4,
  no: EUROPEAN_1_4,
  pl: EUROPEAN_1_4,
};

/** Twilio's ringTone values; any other value rings as `us`, which is also what a <Dial> without one rings. */
export const RING_TONES: ReadonlySet<string> = new Set(Object.keys(CADENCES));

const built = new Map<string, Int16Array>();

/** One cycle of the country's ringback at 8 kHz (`us` for a value it does not know), built once per country. */
export function ringback(ringTone = 'us'): Int16Array {
  const key = RING_TONES.has(ringTone) ? ringTone : 'us';
  let pcm = built.get(key);
  if (!pcm) {
    const c = CADENCES[key]!;
    pcm = concat(c.pattern.map((ms, i) => (i % 2 === 0 ? tone(c.hz, ms, 0.25) : silence(ms))));
    built.set(key, pcm);
  }
  return pcm;
}
