import { randomBytes } from 'node:crypto';

// Twilio SIDs: a two-letter type prefix and 32 lower-case hex digits.
export type SidPrefix = 'AC' | 'SM' | 'MM' | 'CA' | 'PN' | 'RE' | 'NO' | 'ME' | 'AP' | 'SK';

// Drawing random bytes in bulk keeps SID generation off the hot path's syscall budget.
let pool = Buffer.alloc(0);
let offset = 0;

export function newSid(prefix: SidPrefix): string {
  if (offset + 16 > pool.length) {
    pool = randomBytes(16 * 1024);
    offset = 0;
  }
  const hex = pool.toString('hex', offset, offset + 16);
  offset += 16;
  return prefix + hex;
}

export function isSid(value: string, prefix: SidPrefix): boolean {
  return value.length === 34 && value.startsWith(prefix) && /^[0-9a-fA-F]{32}$/.test(value.slice(2));
}

export function newAuthToken(): string {
  return randomBytes(16).toString('hex');
}
