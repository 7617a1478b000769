// A deterministic pseudo-random source for the differential tests that damage inputs: the same seed gives the same
// damage on every run, so a failure names a case that can be replayed.

/** `rand(n)`: an integer in [0, n), from a linear congruential generator seeded with `seed`. */
export function seededRandom(seed: number): (n: number) => number {
  let state = seed;
  return (n: number): number => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state % n;
  };
}
