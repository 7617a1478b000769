import { randomBytes } from 'node:crypto';

// Twilio SIDs: a two-letter type prefix and 32 lower-case hex digits. Ours are time-ordered: 11 hex digits of
// the creation time in milliseconds (enough until the year 2527), then 21 random ones (84 bits: still unguessable,
// which a recording's WAV URL, served without credentials as Twilio does, relies on). Twilio's clients treat a SID
// as an opaque string, so nothing outside notices; inside, records keyed by SID (messages above all)
// are appended at the end of LMDB's B-tree instead of dirtying a random page each, which cut the LMDB writer's CPU
// per outbound message by ~25 µs in `npm run bench -- --quick --only outbound`.
export type SidPrefix = 'AC' | 'SM' | 'MM' | 'CA' | 'PN' | 'RE' | 'NO' | 'ME' | 'AP' | 'SK' | 'MG' | 'AI' | 'SC' | 'VA' | 'VE' | 'VL' | 'AD' | 'MZ' | 'QU' | 'CF' | 'CL' | 'CR' | 'AL' | 'IP' | 'SD';

// Drawing random bytes in bulk keeps SID generation off the hot path's syscall budget.
let pool = Buffer.alloc(0);
let offset = 0;
const RANDOM_BYTES = 11; // 22 hex digits, of which 21 are used

export function newSid(prefix: SidPrefix, now = Date.now()): string {
  if (offset + RANDOM_BYTES > pool.length) {
    pool = randomBytes(16 * 1024);
    offset = 0;
  }
  const random = pool.toString('hex', offset, offset + RANDOM_BYTES);
  offset += RANDOM_BYTES;
  return prefix + now.toString(16).padStart(11, '0') + random.slice(1);
}

export function isSid(value: string, prefix: SidPrefix): boolean {
  return value.length === 34 && value.startsWith(prefix) && /^[0-9a-fA-F]{32}$/.test(value.slice(2));
}

export function newAuthToken(): string {
  return randomBytes(16).toString('hex');
}
