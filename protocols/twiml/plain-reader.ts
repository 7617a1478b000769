// A single-pass reader for the plain XML that TwiML replies nearly always are: an optional XML declaration, then
// elements with quoted attributes, text, and XML's five named entities or numeric character references. It builds the
// same tree as document.ts's full path (fast-xml-parser's validator, then its parser), about ten times faster; a
// messaging webhook's reply is parsed once per inbound message, so this is on the hot path of every MO.
//
// It is an accelerator, not a second parser: anything outside that plain subset (comments, CDATA, a DOCTYPE,
// processing instructions, a '\r', '<' in an attribute value, ']]>' in text, an unknown entity) and anything not
// well-formed makes it answer `undefined`, and the full path decides, with its own error messages. So a document gets
// either exactly the full path's tree or the full path itself. test/unit/twiml-plain-reader.test.ts checks this on a corpus.
import type { XmlChild, XmlElement } from './document.js';

const LT = 0x3c;
const GT = 0x3e;
const SLASH = 0x2f;
const AMP = 0x26;
const EQ = 0x3d;
const QUOT = 0x22;
const APOS = 0x27;
const QUESTION = 0x3f;
const BANG = 0x21;

const DECLARATION = /^<\?xml\s+version\s*=\s*(["'])1\.\d\1(?:\s+encoding\s*=\s*(["'])[A-Za-z][A-Za-z0-9._-]*\2)?(?:\s+standalone\s*=\s*(["'])(?:yes|no)\3)?\s*\?>/;
/**
 * Deeper documents go to the full path, which has its own limit (fast-xml-parser's maxNestedTags, 100) and its own
 * error; TwiML nests three or four deep. It also keeps this reader's recursion far from the stack's limit.
 */
const MAX_DEPTH = 32;
const NAMED: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Bails out of the fast path; caught once in readPlainXml. */
const NOT_PLAIN = Symbol('not plain');

/**
 * The root element of a trimmed, non-empty document, or `undefined` when the document is not plain (or not
 * well-formed) and must go through the full parser.
 */
export function readPlainXml(doc: string): XmlElement | undefined {
  try {
    return new PlainReader(doc).document();
  } catch (err) {
    if (err === NOT_PLAIN) return undefined;
    throw err;
  }
}

class PlainReader {
  private pos = 0;
  private depth = 0;

  constructor(private readonly s: string) {}

  document(): XmlElement {
    const { s } = this;
    if (s.indexOf('\r') !== -1) throw NOT_PLAIN; // line-end normalisation is the full path's job
    if (s.startsWith('<?')) {
      const decl = DECLARATION.exec(s);
      if (decl === null) throw NOT_PLAIN;
      this.pos = decl[0].length;
      this.skipSpace();
    }
    const root = this.element();
    this.skipSpace();
    if (this.pos !== s.length) throw NOT_PLAIN;
    return root;
  }

  /** At '<' of a start tag: the element through its end tag. */
  private element(): XmlElement {
    const { s } = this;
    if (s.charCodeAt(this.pos) !== LT || ++this.depth > MAX_DEPTH) throw NOT_PLAIN;
    this.pos++;
    const name = this.name();
    let attrs: Record<string, string> | undefined;
    for (;;) {
      const hadSpace = this.skipSpace();
      const c = s.charCodeAt(this.pos);
      if (c === GT) {
        this.pos++;
        break;
      }
      if (c === SLASH) {
        if (s.charCodeAt(this.pos + 1) !== GT) throw NOT_PLAIN;
        this.pos += 2;
        this.depth--;
        return { name, attrs: attrs ?? EMPTY_ATTRS, children: [] };
      }
      if (!hadSpace) throw NOT_PLAIN;
      const key = this.name();
      if (key === '__proto__') throw NOT_PLAIN;
      this.skipSpace();
      if (s.charCodeAt(this.pos) !== EQ) throw NOT_PLAIN;
      this.pos++;
      this.skipSpace();
      const value = this.attributeValue();
      attrs ??= {};
      if (key in attrs) throw NOT_PLAIN;
      attrs[key] = value;
    }
    const children: XmlChild[] = [];
    for (;;) {
      const lt = s.indexOf('<', this.pos);
      if (lt === -1) throw NOT_PLAIN;
      if (lt > this.pos) children.push(this.text(this.pos, lt));
      this.pos = lt;
      const next = s.charCodeAt(lt + 1);
      if (next === SLASH) {
        this.pos += 2;
        if (this.name() !== name) throw NOT_PLAIN;
        this.skipSpace();
        if (s.charCodeAt(this.pos) !== GT) throw NOT_PLAIN;
        this.pos++;
        this.depth--;
        return { name, attrs: attrs ?? EMPTY_ATTRS, children };
      }
      if (next === BANG || next === QUESTION) throw NOT_PLAIN;
      children.push(this.element());
    }
  }

  /** A tag or attribute name: ASCII letters, digits, '_', '-', '.', not starting with a digit, '-' or '.'. */
  private name(): string {
    const { s } = this;
    const start = this.pos;
    let c = s.charCodeAt(this.pos);
    if (!(isLetter(c) || c === 0x5f)) throw NOT_PLAIN;
    do {
      this.pos++;
      c = s.charCodeAt(this.pos);
    } while (isLetter(c) || (c >= 0x30 && c <= 0x39) || c === 0x5f || c === 0x2d || c === 0x2e);
    return s.slice(start, this.pos);
  }

  private attributeValue(): string {
    const { s } = this;
    const quote = s.charCodeAt(this.pos);
    if (quote !== QUOT && quote !== APOS) throw NOT_PLAIN;
    const end = s.indexOf(quote === QUOT ? '"' : "'", this.pos + 1);
    if (end === -1) throw NOT_PLAIN;
    const raw = s.slice(this.pos + 1, end);
    if (raw.indexOf('<') !== -1) throw NOT_PLAIN;
    this.pos = end + 1;
    return decode(raw);
  }

  private text(from: number, to: number): string {
    const raw = this.s.slice(from, to);
    if (raw.indexOf(']]>') !== -1) throw NOT_PLAIN;
    return decode(raw);
  }

  /** Skips XML whitespace; true when there was some. */
  private skipSpace(): boolean {
    const { s } = this;
    const start = this.pos;
    for (;;) {
      const c = s.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x0a || c === 0x09) this.pos++;
      else return this.pos !== start;
    }
  }
}

function isLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/** Replaces entity and character references; anything but the five named ones and a safe code point is not plain. */
function decode(raw: string): string {
  let amp = raw.indexOf('&');
  if (amp === -1) return raw;
  let out = '';
  let from = 0;
  while (amp !== -1) {
    const semi = raw.indexOf(';', amp + 1);
    if (semi === -1 || semi - amp > 10) throw NOT_PLAIN;
    out += raw.slice(from, amp) + reference(raw.slice(amp + 1, semi));
    from = semi + 1;
    amp = raw.indexOf('&', from);
  }
  return out + raw.slice(from);
}

const DECIMAL = /^#\d{1,7}$/;
const HEX = /^#x[0-9A-Fa-f]{1,6}$/;

function reference(ref: string): string {
  const named = NAMED[ref];
  if (named !== undefined && Object.hasOwn(NAMED, ref)) return named;
  let cp: number;
  if (DECIMAL.test(ref)) cp = Number(ref.slice(1));
  else if (HEX.test(ref)) cp = parseInt(ref.slice(2), 16);
  else throw NOT_PLAIN;
  const safe = cp === 0x09 || cp === 0x0a || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
  if (!safe) throw NOT_PLAIN;
  return String.fromCodePoint(cp);
}

const EMPTY_ATTRS: Readonly<Record<string, string>> = Object.freeze({});
