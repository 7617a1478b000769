// The plain-XML fast path must read every document exactly as the full fast-xml-parser path does: the same tree, or
// (by handing the document over) the same error. A user would notice any difference as a reply with other text, or a
// broken document that suddenly executes.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import twilio from 'twilio';
import { readTwimlDocument, readTwimlDocumentFully } from '../../protocols/twiml/document.js';
import { readPlainXml } from '../../protocols/twiml/plain-reader.js';
import { seededRandom } from '../helpers/seeded-random.js';

const { MessagingResponse, VoiceResponse } = twilio.twiml;

type Outcome = { tree: unknown } | { code: number; message: string };

function outcome(read: (xml: string) => unknown, xml: string): Outcome {
  try {
    return { tree: read(xml) };
  } catch (err) {
    const e = err as { code: number; message: string };
    return { code: e.code, message: e.message };
  }
}

function assertSame(xml: string): void {
  assert.deepEqual(outcome(readTwimlDocument, xml), outcome(readTwimlDocumentFully, xml), `for ${JSON.stringify(xml)}`);
}

/** Replies as the twilio package builds them: the documents the fast path is for. */
function helperDocuments(): string[] {
  const texts = ['ok', 'Fish & chips <3 "quoted" \'single\'', 'héllo wörld ✓ 😀', '  padded  ', 'a > b', 'line one\nline two', 'x'.repeat(1600)];
  const docs: string[] = [];
  for (const text of texts) {
    const r = new MessagingResponse();
    r.message(text);
    docs.push(r.toString());
    const r2 = new MessagingResponse();
    const m = r2.message({ to: '+15551234567', from: '+15557654321', action: 'https://e.x/status?a=1&b=2', method: 'GET' }, '');
    m.body(text);
    m.media('https://e.x/cat.jpg?size=big&fmt=jpg');
    r2.message('second');
    r2.redirect({ method: 'GET' }, '/next?x=<y>');
    docs.push(r2.toString());
    const v = new VoiceResponse();
    v.say({ voice: 'alice', language: 'en-US' }, text);
    v.gather({ input: ['speech', 'dtmf'], numDigits: 4, action: '/gathered' }).say('Press keys');
    v.dial({ callerId: '+15550001111' }).number('+15552223333');
    v.hangup();
    docs.push(v.toString());
  }
  docs.push(new MessagingResponse().toString());
  return docs;
}

const EDGE_CASES = [
  '<Response>\n  <Message>hi</Message>\n</Response>',
  '<Response><Message action="http://x/y?a=1&amp;b=2" method="GET">a &amp;lt; b &#38;lt; &#x41;&#10;z</Message></Response>',
  '<Response><Message>&#x1F600; &#128512; &#9;tab &quot;q&quot; &apos;a&apos; &gt; &lt;</Message></Response>',
  '<Response><Message>a&nbsp;b</Message></Response>',
  '<Response><Message>a & b</Message></Response>',
  '<Response><Message>a &amp b</Message></Response>',
  '<Response><Message>&#0;</Message></Response>',
  '<Response><Message>&#xD800;</Message></Response>',
  '<Response><Message>&#x110000;</Message></Response>',
  '<Response><Message a="1" a="2">x</Message></Response>',
  '<Response><Message a="x\ny">x</Message></Response>',
  '<Response><Message a="<">x</Message></Response>',
  '<Response><Message a=1>x</Message></Response>',
  '<Response><Message a>x</Message></Response>',
  '<Response><Message a="1"b="2">x</Message></Response>',
  '<Response><Message a = "1" b=\'q"\'>x</Message ></Response >',
  '<Response><Message __proto__="x">y</Message></Response>',
  '<Response><Message constructor="x">y</Message></Response>',
  '<Response><Message>a>b</Message></Response>',
  '<Response><Message>a]]>b</Message></Response>',
  '<Response><Message>a\r\nb</Message></Response>',
  '<Response><Message/><Redirect/></Response>',
  '<Response><Message / ></Response>',
  '<Response><Message>x</Message></response>',
  '<Response><Message>x</Response></Message>',
  '<Response><Message>x</Message>',
  '<Response><Message>x</Message></Response>junk',
  '<Response/><Response/>',
  '<Response/>\n\n',
  'text<Response/>',
  '<Foo><Message>x</Message></Foo>',
  '<Response><Message><Body>b</Body><Media>m</Media></Message></Response>',
  '<Response><Message><!-- note -->x</Message></Response>',
  '<Response><Message><![CDATA[<b> & c]]></Message></Response>',
  '<?xml version="1.0" encoding="UTF-8"?><Response><Message>x</Message></Response>',
  "<?xml version='1.0' encoding='utf-8' standalone='yes' ?>\n<Response/>",
  '<?xml version="1.0"?><!DOCTYPE Response><Response/>',
  '<?xml version="2.0"?><Response/>',
  '<?xml encoding="UTF-8"?><Response/>',
  '<?xml version="1.0"?><?php echo 1 ?><Response/>',
  '<Response><ns:Message>x</ns:Message></Response>',
  '<Response><1Message>x</1Message></Response>',
  '<Response><Message-x.y_z>x</Message-x.y_z></Response>',
  '<Response><Message>x</Message ><Message>y</Message\n></Response>',
  '<Response><Message>x</ Message></Response>',
  '< Response/>',
  '<Response',
  '<',
  '\uFEFF<Response><Message>bom</Message></Response>',
];

describe('the plain-XML fast path reads TwiML exactly as the full parser does', () => {
  test('on replies built by the twilio package, and it takes them itself', () => {
    for (const xml of helperDocuments()) {
      assertSame(xml);
      assert.notEqual(readPlainXml(xml.trim()), undefined, `fast path declined ${JSON.stringify(xml.slice(0, 80))}`);
    }
  });

  test('on edge cases: entities, attributes, declarations, comments, CDATA and broken documents', () => {
    for (const xml of EDGE_CASES) assertSame(xml);
  });

  test('on deep nesting: past the full parser\'s limit the reply fails with its error, however deep, never a crash', () => {
    const nested = (n: number): string => `<Response>${'<Gather>'.repeat(n)}${'</Gather>'.repeat(n)}</Response>`;
    for (const n of [3, 31, 32, 99, 100, 101, 1_000, 50_000]) assertSame(nested(n));
    const deep = outcome(readTwimlDocument, nested(50_000));
    assert.ok('code' in deep && deep.code === 12100, `a 50,000-deep reply is a document parse failure: ${JSON.stringify(deep)}`);
  });

  test('on thousands of damaged replies: a broken document still fails with the full parser\'s code and message', () => {
    // Deterministic damage (insert, delete or swap one or two characters) of the documents above.
    const rand = seededRandom(12345);
    const alphabet = '<>/="\'&;#x? !-[]\nabAMR01é';
    const sources = [...helperDocuments().filter((d) => d.length < 400), ...EDGE_CASES];
    let checked = 0;
    for (let round = 0; round < 4000; round++) {
      let xml = sources[rand(sources.length)]!;
      for (let edits = 1 + rand(2); edits > 0; edits--) {
        const at = rand(xml.length + 1);
        const kind = rand(3);
        const ch = alphabet[rand(alphabet.length)]!;
        if (kind === 0) xml = xml.slice(0, at) + ch + xml.slice(at);
        else if (kind === 1) xml = xml.slice(0, at) + xml.slice(at + 1);
        else xml = xml.slice(0, at) + ch + xml.slice(at + 1);
      }
      assertSame(xml);
      checked++;
    }
    assert.equal(checked, 4000);
  });
});
