// A messaging webhook's reply parsed as the inbound path parses it, once per MO: the one-<Message> document the bench's
// webhook app sends, through parseMessagingTwiml (plain-XML fast path) and through the full fast-xml-parser path.
// Prints µs per document for each.
//
//   node --import tsx bench/micro/twiml-parse.ts
import { parseMessagingTwiml } from '../../protocols/twiml/messaging.js';
import { readTwimlDocument, readTwimlDocumentFully } from '../../protocols/twiml/document.js';

const docs = Array.from({ length: 1000 }, (_, i) => `<?xml version="1.0" encoding="UTF-8"?><Response><Message>re bench:${i}</Message></Response>`);
const ROUNDS = 50;

function time(label: string, fn: (doc: string) => unknown): void {
  let best = Infinity;
  for (let run = 0; run < 7; run++) {
    const t = process.hrtime.bigint();
    for (let r = 0; r < ROUNDS; r++) for (const d of docs) fn(d);
    best = Math.min(best, Number(process.hrtime.bigint() - t) / 1000 / (ROUNDS * docs.length));
  }
  console.log(`${label.padEnd(44)} ${best.toFixed(2)} µs/doc (best of 7)`);
}

const documentUrl = 'http://127.0.0.1:8080/sms';
time('parseMessagingTwiml (plain-XML fast path)', (d) => parseMessagingTwiml(d, { documentUrl }));
time('readTwimlDocument (plain-XML fast path)', readTwimlDocument);
time('readTwimlDocumentFully (fast-xml-parser)', readTwimlDocumentFully);
