import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import twilio from 'twilio';
import { parseMessagingTwiml } from '../../protocols/twiml/messaging.js';

const { MessagingResponse } = twilio.twiml;

function codeOf(xml: string): number | undefined {
  const res = parseMessagingTwiml(xml);
  return res.ok ? undefined : res.code;
}

describe('messaging TwiML built by the twilio package', () => {
  test('a reply with attributes, Body, Media and a Redirect keeps verb order', () => {
    const r = new MessagingResponse();
    const m = r.message({ to: '+15551234567', from: '+15557654321', action: 'https://e.x/status', method: 'GET' }, '');
    m.body('Fish & chips <3');
    m.media('https://e.x/cat.jpg');
    m.media('https://e.x/dog.png');
    r.redirect({ method: 'GET' }, 'https://e.x/next');
    assert.deepEqual(parseMessagingTwiml(r.toString()), {
      ok: true,
      verbs: [
        {
          verb: 'Message',
          body: 'Fish & chips <3',
          media: ['https://e.x/cat.jpg', 'https://e.x/dog.png'],
          to: '+15551234567',
          from: '+15557654321',
          action: 'https://e.x/status',
          method: 'GET',
        },
        { verb: 'Redirect', url: 'https://e.x/next', method: 'GET' },
      ],
    });
  });

  test('several plain messages with defaults: no to/from, method POST', () => {
    const r = new MessagingResponse();
    r.message('first');
    r.message('second');
    const res = parseMessagingTwiml(r.toString());
    assert.deepEqual(res, {
      ok: true,
      verbs: [
        { verb: 'Message', body: 'first', media: [], method: 'POST' },
        { verb: 'Message', body: 'second', media: [], method: 'POST' },
      ],
    });
  });

  test('an empty MessagingResponse and an empty body both mean no reply', () => {
    assert.deepEqual(parseMessagingTwiml(new MessagingResponse().toString()), { ok: true, verbs: [] });
    assert.deepEqual(parseMessagingTwiml(''), { ok: true, verbs: [] });
    assert.deepEqual(parseMessagingTwiml('  \n '), { ok: true, verbs: [] });
  });

  test('the deprecated statusCallback attribute is kept alongside action', () => {
    const r = new MessagingResponse();
    r.message({ statusCallback: 'https://e.x/old' }, 'hi');
    const res = parseMessagingTwiml(r.toString());
    assert.ok(res.ok);
    assert.equal(res.verbs[0]?.verb === 'Message' && res.verbs[0].statusCallback, 'https://e.x/old');
  });
});

describe('hand-written messaging TwiML', () => {
  test('pretty-printed, with declaration, comments, CDATA and character references', () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<!-- reply -->
<Response>
  <Message to="whatsapp:+15551234567">
    Hello <![CDATA[<b>bold</b> & raw]]> &#x41;&#66; &amp; &#128512;
  </Message>
  <Message>
    <Body>Line one
line two</Body>
    <Media>https://e.x/a.jpg</Media>
  </Message>
</Response>
`;
    assert.deepEqual(parseMessagingTwiml(xml), {
      ok: true,
      verbs: [
        { verb: 'Message', body: 'Hello <b>bold</b> & raw AB & 😀', media: [], to: 'whatsapp:+15551234567', method: 'POST' },
        { verb: 'Message', body: 'Line one\nline two', media: ['https://e.x/a.jpg'], method: 'POST' },
      ],
    });
  });

  test('DOCTYPE text inside CDATA is just text (only a real DTD is refused)', () => {
    const res = parseMessagingTwiml('<Response><Message><![CDATA[<!DOCTYPE html> is HTML]]></Message></Response>');
    assert.deepEqual(res, { ok: true, verbs: [{ verb: 'Message', body: '<!DOCTYPE html> is HTML', media: [], method: 'POST' }] });
  });

  test('self-closing Response and a leading byte-order mark are accepted', () => {
    assert.deepEqual(parseMessagingTwiml('\uFEFF<Response/>'), { ok: true, verbs: [] });
    assert.deepEqual(parseMessagingTwiml('<Response></Response>'), { ok: true, verbs: [] });
  });

  test('relative URLs resolve against the document URL when it is given', () => {
    const xml = '<Response><Message action="/status"><Media>img/a.png</Media></Message><Redirect>next?x=1</Redirect></Response>';
    const res = parseMessagingTwiml(xml, { documentUrl: 'https://app.example.com/sms/in' });
    assert.deepEqual(res, {
      ok: true,
      verbs: [
        { verb: 'Message', body: '', media: ['https://app.example.com/sms/img/a.png'], action: 'https://app.example.com/status', method: 'POST' },
        { verb: 'Redirect', url: 'https://app.example.com/sms/next?x=1', method: 'POST' },
      ],
    });
  });

  test('a method is case-insensitive', () => {
    const res = parseMessagingTwiml('<Response><Redirect method="get">https://e.x/</Redirect></Response>');
    assert.deepEqual(res, { ok: true, verbs: [{ verb: 'Redirect', url: 'https://e.x/', method: 'GET' }] });
  });
});

describe('broken messaging TwiML fails whole, with Twilio codes', () => {
  test('12100 for documents that are not well-formed XML', () => {
    for (const xml of [
      '<Response><Message>unclosed</Response>',
      '<Response>',
      'just some text',
      '<Response><Message>a & b</Message></Response>',
      '<Response/>trailing',
      '<Response/><Response/>',
      '<Response><Message to="+1" to="+2">x</Message></Response>',
      '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "b">]><Response><Message>&a;</Message></Response>',
    ]) {
      assert.equal(codeOf(xml), 12100, xml);
    }
  });

  test('12102 when the root is not <Response>', () => {
    assert.equal(codeOf('<Message>hi</Message>'), 12102);
    assert.equal(codeOf('<response><Message>hi</Message></response>'), 12102);
  });

  test('no partial result: a good verb before a bad one is not returned', () => {
    const res = parseMessagingTwiml('<Response><Message>ok</Message><Bogus/></Response>');
    assert.equal(res.ok, false);
    assert.ok(!('verbs' in res));
  });

  test('12200 for unknown verbs or stray content; 14110 for voice verbs', () => {
    assert.equal(codeOf('<Response><Bogus/></Response>'), 12200);
    assert.equal(codeOf('<Response>loose text</Response>'), 12200);
    assert.equal(codeOf('<Response><Message><Foo/>x</Message></Response>'), 12200);
    assert.equal(codeOf('<Response><Redirect/></Response>'), 12200);
    assert.equal(codeOf('<Response><Say>hello</Say></Response>'), 14110);
    assert.equal(codeOf('<Response><Dial>+15551234567</Dial></Response>'), 14110);
  });

  test('14xxx for bad Message attributes, 14103 for an empty Message', () => {
    assert.equal(codeOf('<Response><Message to="not a number">x</Message></Response>'), 14101);
    assert.equal(codeOf('<Response><Message from="abc def">x</Message></Response>'), 14102);
    assert.equal(codeOf('<Response><Message>   </Message></Response>'), 14103);
    assert.equal(codeOf('<Response><Message method="PUT">x</Message></Response>'), 14104);
    assert.equal(codeOf('<Response><Redirect method="DELETE">https://e.x</Redirect></Response>'), 14104);
    assert.equal(codeOf('<Response><Message action="ftp://e.x/s">x</Message></Response>'), 14105);
  });

  test('more than ten Media in one Message is rejected', () => {
    const media = Array.from({ length: 11 }, (_, i) => `<Media>https://e.x/${i}.jpg</Media>`).join('');
    assert.equal(codeOf(`<Response><Message>${media}</Message></Response>`), 12200);
  });
});
