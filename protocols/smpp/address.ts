// SMPP addresses (ton, npi, digits) <-> the E.164 / alphanumeric strings the rest of tandem uses.

export const TON_UNKNOWN = 0;
export const TON_INTERNATIONAL = 1;
export const TON_ALPHANUMERIC = 5;
export const NPI_UNKNOWN = 0;
export const NPI_E164 = 1;

export interface SmppAddress {
  ton: number;
  npi: number;
  addr: string;
}

/**
 * '+15551234567' -> international/E.164 digits; other all-digit strings (short codes) go as unknown
 * ton/npi, which carriers route by their own numbering plan; anything else is an alphanumeric sender.
 */
export function toSmppAddress(address: string): SmppAddress {
  if (address.charCodeAt(0) === 0x2b /* + */) return { ton: TON_INTERNATIONAL, npi: NPI_E164, addr: address.slice(1) };
  if (isDigits(address)) return { ton: TON_UNKNOWN, npi: NPI_UNKNOWN, addr: address };
  return { ton: TON_ALPHANUMERIC, npi: NPI_UNKNOWN, addr: address };
}

/** The six address fields of a submit_sm or deliver_sm, from `source` to `dest`. */
export interface SmRouting {
  sourceTon: number;
  sourceNpi: number;
  source: string;
  destTon: number;
  destNpi: number;
  dest: string;
}

/** ton=1 -> '+' + digits (a leading '+' or '00' some carriers add is dropped first); others as sent. */
export function fromSmppAddress(ton: number | undefined, addr: string | undefined): string {
  const a = (addr ?? '').trim();
  if (ton === TON_INTERNATIONAL) {
    const digits = a.startsWith('+') ? a.slice(1) : a.startsWith('00') ? a.slice(2) : a;
    return '+' + digits;
  }
  return a;
}

function isDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}
