import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { TwimlCode, TwimlProblem } from './errors.js';
import { readPlainXml } from './plain-reader.js';

/** One element of a TwiML document, with text and CDATA already decoded. */
export interface XmlElement {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: readonly XmlChild[];
}
export type XmlChild = XmlElement | string;

// preserveOrder keeps verb order (the default groups same-name siblings, see bench/ceilings.md).
// parseTagValue/parseAttributeValue off: "+15551234567" or "007" must stay strings.
// trimValues off so "a <![CDATA[b]]> c" keeps its inner spaces; text is trimmed once per element.
// htmlEntities as an empty map turns on numeric references (&#65; &#x41;) while keeping the
// named set to XML's five.
const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  htmlEntities: {} as unknown as boolean,
  ignorePiTags: true,
});

type OrderedNode = Record<string, unknown>;
const ATTRS = ':@';
const TEXT = '#text';

/**
 * Checks well-formedness (12100) and the root element (12102) and returns the root's tree.
 * Returns null for an empty or whitespace-only body, which Twilio treats as "no verbs".
 */
export function readTwimlDocument(xml: string): XmlElement | null {
  return read(xml, true);
}

/** readTwimlDocument without the plain-XML fast path: what that path must agree with (its test compares them). */
export function readTwimlDocumentFully(xml: string): XmlElement | null {
  return read(xml, false);
}

function read(xml: string, plainFirst: boolean): XmlElement | null {
  const doc = xml.charCodeAt(0) === 0xfeff ? xml.slice(1) : xml;
  const trimmed = doc.trim();
  if (trimmed === '') return null;
  // Nearly every reply is plain XML, read in one pass; anything else (or anything broken) takes the full path below.
  const plain = plainFirst ? readPlainXml(trimmed) : undefined;
  if (plain !== undefined) return checkRoot(plain);
  // TwiML never needs a DTD, and DTD entities are the classic expansion-bomb vector. Only the
  // prolog is checked, so a body like <![CDATA[<!DOCTYPE html>]]> is still fine.
  const doctype = trimmed.indexOf('<!DOCTYPE');
  if (doctype !== -1 && doctype < firstElementStart(trimmed)) {
    throw new TwimlProblem(TwimlCode.DocumentParseFailure, 'Document parse failure: DOCTYPE is not allowed in TwiML');
  }
  const valid = XMLValidator.validate(trimmed);
  if (valid !== true) {
    const { msg, line, col } = valid.err;
    throw new TwimlProblem(TwimlCode.DocumentParseFailure, `Document parse failure: ${msg} (line ${line}, column ${col})`);
  }
  // The validator accepts text after the root element ("<Response/>junk"); XML does not.
  if (trimmed.charCodeAt(trimmed.length - 1) !== 0x3e /* > */) {
    throw new TwimlProblem(TwimlCode.DocumentParseFailure, 'Document parse failure: content after the root element');
  }
  let nodes: OrderedNode[];
  try {
    nodes = parser.parse(trimmed) as OrderedNode[];
  } catch (err) {
    throw new TwimlProblem(TwimlCode.DocumentParseFailure, `Document parse failure: ${(err as Error).message}`);
  }
  let root: XmlElement | undefined;
  for (const node of nodes) {
    const child = toChild(node);
    if (child === undefined) continue;
    if (typeof child === 'string') {
      if (child.trim() !== '') {
        throw new TwimlProblem(TwimlCode.DocumentParseFailure, 'Document parse failure: text outside the root element');
      }
      continue;
    }
    if (root !== undefined) {
      throw new TwimlProblem(TwimlCode.DocumentParseFailure, 'Document parse failure: more than one root element');
    }
    root = child;
  }
  if (root === undefined) {
    throw new TwimlProblem(TwimlCode.DocumentParseFailure, 'Document parse failure: no root element');
  }
  return checkRoot(root);
}

function checkRoot(root: XmlElement): XmlElement {
  if (root.name !== 'Response') {
    throw new TwimlProblem(TwimlCode.RootNotResponse, `Root element must be Response, found <${root.name}>`);
  }
  return root;
}

function firstElementStart(xml: string): number {
  const at = xml.search(/<[A-Za-z_:]/);
  return at === -1 ? xml.length : at;
}

function toChild(node: OrderedNode): XmlChild | undefined {
  let name: string | undefined;
  for (const key in node) {
    if (key !== ATTRS) {
      name = key;
      break;
    }
  }
  if (name === undefined) return undefined;
  if (name === TEXT) return String(node[TEXT]);
  // The XML declaration and processing instructions carry no TwiML.
  if (name.charCodeAt(0) === 0x3f /* ? */) return undefined;
  const raw = node[name];
  const children: XmlChild[] = [];
  if (Array.isArray(raw)) {
    for (const sub of raw as OrderedNode[]) {
      const child = toChild(sub);
      if (child !== undefined) children.push(child);
    }
  }
  const attrs = (node[ATTRS] as Record<string, string> | undefined) ?? EMPTY_ATTRS;
  return { name, attrs, children };
}

const EMPTY_ATTRS: Readonly<Record<string, string>> = Object.freeze({});

/** The element's own text (text and CDATA children joined, then trimmed); child elements are not allowed. */
export function textOnly(el: XmlElement, code: number): string {
  let text = '';
  for (const child of el.children) {
    if (typeof child === 'string') text += child;
    else throw new TwimlProblem(code, `<${el.name}> cannot contain <${child.name}>`);
  }
  return text.trim();
}

/** All text under the element, descending into child elements (SSML inside <Say>). */
export function deepText(el: XmlElement): string {
  let text = '';
  for (const child of el.children) text += typeof child === 'string' ? child : ` ${deepText(child)} `;
  return text.replace(/\s+/g, ' ').trim();
}

/** The element's content written back as XML (text escaped, attributes quoted): what SSML inside a <Say> says. */
export function innerXml(el: XmlElement): string {
  let out = '';
  for (const child of el.children) {
    if (typeof child === 'string') {
      out += escapeXml(child);
      continue;
    }
    const attrs = Object.entries(child.attrs).map(([k, v]) => ` ${k}="${escapeXml(v).replace(/"/g, '&quot;')}"`).join('');
    const inner = innerXml(child);
    out += inner === '' ? `<${child.name}${attrs}/>` : `<${child.name}${attrs}>${inner}</${child.name}>`;
  }
  return out;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Rejects any non-whitespace text directly inside an element that takes none. */
export function noText(el: XmlElement, code: number): void {
  for (const child of el.children) {
    if (typeof child === 'string' && child.trim() !== '') {
      throw new TwimlProblem(code, `<${el.name}> cannot contain text`);
    }
  }
}
