// Twilio's Smart Encoding: look-alike Unicode punctuation and spacing (curly quotes, long dashes, odd spaces, the
// ellipsis, full-width ASCII) becomes its GSM-7 twin, so that one pasted character does not put the whole message in
// UCS-2 at 70 characters a segment. As on Twilio, the text changes only when everything in it then fits GSM-7: a body
// that needs UCS-2 anyway (emoji, CJK, Cyrillic) goes as it was written.
import { isGsm7 } from './encoding.js';

/** UTF-16 code unit → its GSM-7 replacement ('' drops it). */
const REPLACE = new Map<number, string>();

function map(replacement: string, ...codes: number[]): void {
  for (const c of codes) REPLACE.set(c, replacement);
}

// Double quotes: « » “ ” „ ‟ ″ ‶ ʺ ˝ ˮ ❝ ❞ 〝 〞 〟
map('"', 0x00ab, 0x00bb, 0x201c, 0x201d, 0x201e, 0x201f, 0x2033, 0x2036, 0x02ba, 0x02dd, 0x02ee, 0x275d, 0x275e, 0x301d, 0x301e, 0x301f);
// Single quotes and apostrophes: ‘ ’ ‚ ‛ ′ ‵ ʹ ʻ ʼ ʽ ˈ ˊ ˋ ´ ` ❛ ❜
map("'", 0x2018, 0x2019, 0x201a, 0x201b, 0x2032, 0x2035, 0x02b9, 0x02bb, 0x02bc, 0x02bd, 0x02c8, 0x02ca, 0x02cb, 0x00b4, 0x0060, 0x275b, 0x275c);
// Hyphens, dashes and minus signs: ‐ ‑ ‒ – — ― ⁃ − ﹘ ﹣
map('-', 0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015, 0x2043, 0x2212, 0xfe58, 0xfe63);
// Spaces: no-break, en/em and the other typographic widths, narrow no-break, medium mathematical, ideographic; tab
map(' ', 0x00a0, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x202f, 0x205f, 0x3000, 0x0009);
// Invisible: zero-width space, non-joiner, joiner, word joiner, byte-order mark, soft hyphen
map('', 0x200b, 0x200c, 0x200d, 0x2060, 0xfeff, 0x00ad);
map('...', 0x2026);
map('<', 0x2039);
map('>', 0x203a);
map('^', 0x02c6);
map('~', 0x02dc);
map('*', 0x2217);
map('/', 0x2044, 0x2215);
map('\\', 0x2216);
// Full-width ASCII (U+FF01–FF5E): ！ → ! … ～ → ~, where the ASCII character is GSM-7 itself (` is not).
for (let c = 0xff01; c <= 0xff5e; c++) {
  const ascii = String.fromCharCode(c - 0xfee0);
  if (isGsm7(ascii)) REPLACE.set(c, ascii);
}

/** `body` with its look-alikes replaced when that makes it GSM-7, otherwise `body` unchanged. */
export function smartEncode(body: string): string {
  if (isGsm7(body)) return body;
  let out = '';
  let from = 0;
  for (let i = 0; i < body.length; i++) {
    const r = REPLACE.get(body.charCodeAt(i));
    if (r === undefined) continue;
    out += body.slice(from, i) + r;
    from = i + 1;
  }
  if (from === 0) return body;
  out += body.slice(from);
  return isGsm7(out) ? out : body;
}
