/**
 * Twilio's `Contains` pattern for AvailablePhoneNumbers: digits and letters (letters become phone-keypad
 * digits, E.161), `*` one digit, `%` any run, `+` anchors at the start, `$` at the end. Parsed once at
 * the edge into a regex over the national number plus the literal run the search seeks on.
 */

const KEYPAD: Readonly<Record<string, string>> = {
  A: '2', B: '2', C: '2', D: '3', E: '3', F: '3', G: '4', H: '4', I: '4', J: '5', K: '5', L: '5',
  M: '6', N: '6', O: '6', P: '7', Q: '7', R: '7', S: '7', T: '8', U: '8', V: '8', W: '9', X: '9', Y: '9', Z: '9',
};

/** Maps one character to its keypad digit; digits map to themselves, anything else to undefined. */
export function keypadDigit(ch: string): string | undefined {
  if (ch.length === 1 && ch >= '0' && ch <= '9') return ch;
  return KEYPAD[ch.toUpperCase()];
}

/** Spells a vanity word as digits (`STORE` → `78673`); undefined if a character has no key. */
export function toKeypadDigits(word: string): string | undefined {
  let out = '';
  for (const ch of word) {
    const d = keypadDigit(ch);
    if (d === undefined) return undefined;
    out += d;
  }
  return out;
}

export interface ContainsPattern {
  /** The caller's pattern as given. */
  source: string;
  /** The single run of literal digits (letters already mapped) the pattern requires. */
  literal: string;
  anchoredStart: boolean;
  anchoredEnd: boolean;
  /** Digits that must precede the literal (leading `*`s); undefined when a `%` allows any number. */
  leadingExact: number | undefined;
  /** Digits that must follow the literal (trailing `*`s); undefined when `%` allows any number. */
  trailingExact: number | undefined;
  /** Full match test against a national number. */
  regex: RegExp;
}

export type ContainsParse = { ok: true; pattern: ContainsPattern } | { ok: false; reason: string };

const BODY = /^(\*+|%+)?([0-9A-Za-z]+)(\*+|%+)?$/;

export function parseContains(raw: string): ContainsParse {
  if (raw.length < 2 || raw.length > 16) return { ok: false, reason: 'must be 2 to 16 characters long' };
  if (!/^[0-9A-Za-z*%+$]+$/.test(raw)) return { ok: false, reason: 'only digits, letters and the meta characters * % + $ are allowed' };
  const anchoredStart = raw.startsWith('+');
  const anchoredEnd = raw.endsWith('$');
  const body = raw.slice(anchoredStart ? 1 : 0, anchoredEnd ? raw.length - 1 : raw.length);
  if (body.includes('+')) return { ok: false, reason: "'+' may only start the pattern" };
  if (body.includes('$')) return { ok: false, reason: "'$' may only end the pattern" };
  if (/\*%|%\*/.test(body)) return { ok: false, reason: 'different meta characters cannot be adjacent' };
  const m = BODY.exec(body);
  if (!m) return { ok: false, reason: 'wildcards are allowed only at the ends, not between digits or letters' };
  const [, lead, word = '', trail] = m;
  // The anchors say "the pattern starts/ends here", so a wildcard next to one is meaningless: Twilio
  // rejects meta characters next to each other.
  if ((anchoredStart && lead) || (anchoredEnd && trail)) return { ok: false, reason: 'meta characters cannot be adjacent' };
  if (word.length < 2) return { ok: false, reason: 'must contain at least two digits or letters' };
  const literal = toKeypadDigits(word);
  if (literal === undefined) return { ok: false, reason: 'letters must be A to Z' };
  const leadingExact = lead === undefined ? 0 : lead.startsWith('*') ? lead.length : undefined;
  const trailingExact = trail === undefined ? 0 : trail.startsWith('*') ? trail.length : undefined;
  const re =
    (anchoredStart ? '^' : '') +
    (lead === undefined ? '' : leadingExact === undefined ? '\\d*' : `\\d{${leadingExact}}`) +
    literal +
    (trail === undefined ? '' : trailingExact === undefined ? '\\d*' : `\\d{${trailingExact}}`) +
    (anchoredEnd ? '$' : '');
  return {
    ok: true,
    pattern: { source: raw, literal, anchoredStart, anchoredEnd, leadingExact, trailingExact, regex: new RegExp(re) },
  };
}
