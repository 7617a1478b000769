// The inbound router on a real LMDB environment: parts are durable before the carrier is acknowledged, a resend
// of a part stored but never acknowledged (crash in between) is recognised after a restart, concatenated messages
// (8/16-bit UDH, sar_* TLVs, any order, data codings 0/8/3) are joined, survive restarts, and are delivered
// flagged when parts never come.
import { test, describe, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import client from 'prom-client';
import { openTables, closeTables, type Tables } from '../../src/store/db.js';
import { MessageStore } from '../../src/messaging/message-store.js';
import { InboundStore } from '../../src/messaging/inbound/mo-store.js';
import { InboundRouter } from '../../src/messaging/inbound/router.js';
import type { NewNotification } from '../../src/notifications/notifications.js';
import type { NumberMsg } from '../../actors/number/messages.js';
import type { NumberRecord } from '../../src/store/records.js';
import { decodeMo } from '../../protocols/smpp/mo.js';
import type { RawDeliverSm } from '../../protocols/smpp/pdu.js';
import { concatUdh8, concatUdh16 } from '../../protocols/smpp/udh.js';
import { encodeGsm7, encodeUcs2 } from '../../protocols/smpp/encoding.js';

const NUMBER = '+14155550199';
const HANDSET = '+14155550100';
const ACCOUNT = 'AC' + '1'.repeat(32);

interface Harness {
  tables: Tables;
  router: InboundRouter;
  tells: { key: string; msg: NumberMsg }[];
  notes: NewNotification[];
  counters: { received: client.Counter; unknownNumber: client.Counter; duplicates: client.Counter };
}

let dir: string;
let open: Harness[] = [];

async function count(c: client.Counter): Promise<number> {
  return (await c.get()).values[0]?.value ?? 0;
}

async function harness(opts: { reassemblyTimeoutMs?: number; resendGraceMs?: number; start?: boolean } = {}): Promise<Harness> {
  const tables = openTables(dir);
  if (!tables.numberByE164.get(NUMBER)) {
    const n = { sid: 'PN' + '2'.repeat(32), accountSid: ACCOUNT, phoneNumber: NUMBER } as NumberRecord;
    await Promise.all([tables.numbers.put(n.sid, n), tables.numberByE164.put(NUMBER, n.sid)]);
  }
  const tells: Harness['tells'] = [];
  const notes: NewNotification[] = [];
  const counters = {
    received: new client.Counter({ name: 'r', help: 'r', registers: [] }),
    unknownNumber: new client.Counter({ name: 'u', help: 'u', registers: [] }),
    duplicates: new client.Counter({ name: 'd', help: 'd', registers: [] }),
  };
  const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const router = new InboundRouter({
    tables,
    store: new InboundStore(tables, new MessageStore(tables)),
    numbers: { tell: (key, msg) => void tells.push({ key, msg }) },
    notify: (n) => void notes.push(n),
    log: quiet,
    metrics: counters,
    ...(opts.reassemblyTimeoutMs !== undefined && { reassemblyTimeoutMs: opts.reassemblyTimeoutMs }),
    resendGraceMs: opts.resendGraceMs ?? 100,
  });
  if (opts.start !== false) router.start();
  const h = { tables, router, tells, notes, counters };
  open.push(h);
  return h;
}

async function shutdown(h: Harness): Promise<void> {
  h.router.close();
  await closeTables(h.tables);
  open = open.filter((x) => x !== h);
}

/**
 * Feeds one deliver_sm through decodeMo, like the SMPP session does; resolves when it was acknowledged. The
 * acknowledgement "leaves for the carrier" at once, as the session reports once its write is done.
 */
function deliver(h: Harness, pdu: RawDeliverSm, carrier = 'acme'): Promise<number> {
  return new Promise((resolve) =>
    h.router.handle(carrier, decodeMo(pdu), (status = 0, onWritten) => {
      resolve(status);
      onWritten?.();
    }),
  );
}

function pdu(short: Buffer, extra: Partial<RawDeliverSm> = {}): RawDeliverSm {
  return { source_addr_ton: 1, source_addr: HANDSET.slice(1), dest_addr_ton: 1, destination_addr: NUMBER.slice(1), esm_class: 0, data_coding: 0, short_message: short, ...extra };
}

function inboundMessages(h: Harness) {
  return [...h.tables.messages.getRange({})].map(({ value }) => value).filter((m) => m.direction === 'inbound');
}

function told(h: Harness): string[] {
  return h.tells.filter((t) => t.msg.type === 'inbound').map((t) => (t.msg as { sid: string }).sid);
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tandem-inbound-'));
});
afterEach(async () => {
  for (const h of open) await shutdown(h);
  rmSync(dir, { recursive: true, force: true });
});

describe('inbound router', () => {
  test('a single part is a durable received message with a pending webhook before the carrier is acknowledged', async () => {
    const h = await harness();
    let ackedAt: { messages: number; pending: number } | undefined;
    await new Promise<void>((resolve) =>
      h.router.handle('acme', decodeMo(pdu(encodeGsm7('weather 94110'))), () => {
        // At ack time the record is committed (readable from a fresh transaction).
        ackedAt = { messages: inboundMessages(h).length, pending: [...h.tables.inboundPending.getKeys({})].length };
        resolve();
      }),
    );
    assert.deepEqual(ackedAt, { messages: 1, pending: 1 });
    const [m] = inboundMessages(h);
    assert.equal(m!.status, 'received');
    assert.equal(m!.body, 'weather 94110');
    assert.equal(m!.from, HANDSET);
    assert.equal(m!.to, NUMBER);
    assert.equal(m!.accountSid, ACCOUNT);
    assert.equal(m!.numSegments, 1);
    assert.deepEqual(h.tells, [{ key: NUMBER, msg: { type: 'inbound', sid: m!.sid } }]);
    // Listed in the account's messages.
    assert.equal([...h.tables.messagesByAccount.getRange({ start: [ACCOUNT, -Infinity, ''], end: [ACCOUNT, Infinity, ''] })].length, 1);
  });

  test('data codings 0 (GSM 03.38), 8 (UCS-2) and 3 (Latin-1) are decoded', async () => {
    const h = await harness();
    await deliver(h, pdu(encodeGsm7('{café} €5 ñ')));
    await deliver(h, pdu(encodeUcs2('Привет 😀'), { data_coding: 8 }));
    await deliver(h, pdu(Buffer.from('Grüße, señor', 'latin1'), { data_coding: 3 }));
    assert.deepEqual(inboundMessages(h).map((m) => m.body).sort(), ['Grüße, señor', 'Привет 😀', '{café} €5 ñ'].sort());
  });

  test('stored but never acknowledged (crash), then resent after restart: acknowledged and dropped, one message only', async () => {
    const first = await harness();
    const part = pdu(encodeGsm7('only once please'));
    // The ack is swallowed: the process "dies" after the commit and before deliver_sm_resp reaches the carrier.
    await new Promise<void>((resolve) => first.router.handle('acme', decodeMo(part), () => resolve()));
    const sid = told(first)[0]!;
    // Undo what a real ack leads to (the fingerprint is forgotten once acknowledged), as if the process died first.
    const fps = [...first.tables.moUnacked.getKeys({})];
    await shutdown(first);
    const reopened = openTables(dir);
    await Promise.all([...fps].map((k) => reopened.moUnacked.put(k, Date.now())));
    await closeTables(reopened);

    const second = await harness();
    // The pending webhook is handed back to the number at start.
    assert.deepEqual(told(second), [sid]);
    const status = await deliver(second, part);
    assert.equal(status, 0, 'the resend is acknowledged');
    assert.equal(await count(second.counters.duplicates), 1);
    assert.equal(inboundMessages(second).length, 1);
    assert.deepEqual(told(second), [sid], 'no second webhook for the resend');
    // Later, the same text again is a new message (the handset really sent it twice).
    await new Promise((r) => setTimeout(r, 150));
    await deliver(second, part);
    assert.equal(inboundMessages(second).length, 2);
  });

  test('a resend racing the first copy\'s commit is acknowledged once that commit is done, and dropped', async () => {
    const h = await harness();
    const part = pdu(encodeGsm7('twice on the wire'));
    await Promise.all([deliver(h, part), deliver(h, part)]);
    assert.equal(inboundMessages(h).length, 1);
    assert.equal(await count(h.counters.duplicates), 1);
  });

  test('an identical part soon after the acknowledgement is a late resend; after the grace period, a new message', async () => {
    const h = await harness({ resendGraceMs: 300 });
    const part = pdu(encodeGsm7('yes'));
    await deliver(h, part);
    // The carrier did not get our deliver_sm_resp in time and resent it.
    assert.equal(await deliver(h, part), 0);
    assert.equal(inboundMessages(h).length, 1);
    assert.equal(await count(h.counters.duplicates), 1);
    // Another handset, or another number, with the same text is another message.
    await deliver(h, { ...part, source_addr: '14155550111' });
    assert.equal(inboundMessages(h).length, 2);
    await new Promise((r) => setTimeout(r, 350));
    await deliver(h, part);
    assert.equal(inboundMessages(h).length, 3);
  });

  test('a number nobody owns: acknowledged at once, counted, nothing stored', async () => {
    const h = await harness();
    const status = await deliver(h, pdu(encodeGsm7('hello?'), { destination_addr: '15005550199' }));
    assert.equal(status, 0);
    assert.equal(await count(h.counters.unknownNumber), 1);
    assert.equal(inboundMessages(h).length, 0);
    assert.deepEqual(h.tells, []);
  });
});

describe('reassembly', () => {
  const gsm = ['Part one of a long text, ', 'part two, ', 'and the end.'];

  test('8-bit UDH parts in any order become one message after the last part; each part acknowledged once stored', async () => {
    const h = await harness();
    const parts = gsm.map((text, i) => pdu(Buffer.concat([concatUdh8(7, 3, i + 1), encodeGsm7(text)]), { esm_class: 0x40 }));
    await deliver(h, parts[2]!);
    await deliver(h, parts[0]!);
    assert.equal([...h.tables.moParts.getKeys({})].length, 2, 'the first two parts are stored');
    assert.equal(inboundMessages(h).length, 0);
    await deliver(h, parts[1]!);
    const [m] = inboundMessages(h);
    assert.equal(m!.body, gsm.join(''));
    assert.equal(m!.numSegments, 3);
    assert.equal(m!.errorCode, null);
    assert.equal([...h.tables.moParts.getKeys({})].length, 0, 'joined parts are removed');
    assert.equal(told(h).length, 1);
  });

  test('16-bit UDH references and UCS-2 parts', async () => {
    const h = await harness();
    const texts = ['Привет, ', 'мир 😀'];
    for (const [i, text] of texts.entries()) {
      await deliver(h, pdu(Buffer.concat([concatUdh16(0xbeef, 2, i + 1), encodeUcs2(text)]), { esm_class: 0x40, data_coding: 8 }));
    }
    assert.equal(inboundMessages(h)[0]!.body, 'Привет, мир 😀');
  });

  test('sar_* TLVs join like UDH; different references stay apart', async () => {
    const h = await harness();
    await deliver(h, pdu(encodeGsm7('A1 '), { sar_msg_ref_num: 300, sar_total_segments: 2, sar_segment_seqnum: 1 }));
    await deliver(h, pdu(encodeGsm7('B1 '), { sar_msg_ref_num: 301, sar_total_segments: 2, sar_segment_seqnum: 1 }));
    await deliver(h, pdu(encodeGsm7('B2'), { sar_msg_ref_num: 301, sar_total_segments: 2, sar_segment_seqnum: 2 }));
    await deliver(h, pdu(encodeGsm7('A2'), { sar_msg_ref_num: 300, sar_total_segments: 2, sar_segment_seqnum: 2 }));
    assert.deepEqual(inboundMessages(h).map((m) => m.body).sort(), ['A1 A2', 'B1 B2']);
  });

  test('a part repeated before the message completes is stored once', async () => {
    const h = await harness();
    const p1 = pdu(Buffer.concat([concatUdh8(9, 2, 1), encodeGsm7('one ')]), { esm_class: 0x40 });
    await deliver(h, p1);
    await deliver(h, p1);
    await deliver(h, pdu(Buffer.concat([concatUdh8(9, 2, 2), encodeGsm7('two')]), { esm_class: 0x40 }));
    assert.deepEqual(inboundMessages(h).map((m) => m.body), ['one two']);
  });

  test('parts stored before a restart are joined with parts arriving after it', async () => {
    const first = await harness();
    await deliver(first, pdu(Buffer.concat([concatUdh8(11, 2, 1), encodeGsm7('before ')]), { esm_class: 0x40 }));
    await shutdown(first);
    const second = await harness();
    await deliver(second, pdu(Buffer.concat([concatUdh8(11, 2, 2), encodeGsm7('after')]), { esm_class: 0x40 }));
    assert.deepEqual(inboundMessages(second).map((m) => m.body), ['before after']);
  });

  test('parts missing after the timeout: what arrived is delivered, flagged 30009, with a warning notification', async () => {
    const h = await harness({ reassemblyTimeoutMs: 150 });
    await deliver(h, pdu(Buffer.concat([concatUdh8(12, 3, 1), encodeGsm7('first ')]), { esm_class: 0x40 }));
    await deliver(h, pdu(Buffer.concat([concatUdh8(12, 3, 3), encodeGsm7('third')]), { esm_class: 0x40 }));
    await new Promise((r) => setTimeout(r, 400));
    const [m] = inboundMessages(h);
    assert.equal(m!.body, 'first third');
    assert.equal(m!.errorCode, 30009);
    assert.match(m!.errorMessage!, /1 of 3/);
    assert.equal(told(h).length, 1);
    assert.equal(h.notes[0]!.errorCode, 30009);
    assert.equal(h.notes[0]!.log, 1);
    assert.equal([...h.tables.moParts.getKeys({})].length, 0);
  });

  test('after a restart, a message whose timeout ran out meanwhile still waits a grace period for resent parts', async () => {
    const first = await harness({ reassemblyTimeoutMs: 300 });
    await deliver(first, pdu(Buffer.concat([concatUdh8(13, 3, 1), encodeGsm7('one ')]), { esm_class: 0x40 }));
    await deliver(first, pdu(Buffer.concat([concatUdh8(14, 2, 1), encodeGsm7('lonely')]), { esm_class: 0x40 }));
    await shutdown(first);
    await new Promise((r) => setTimeout(r, 350));
    const second = await harness({ reassemblyTimeoutMs: 300 });
    // The carrier resends what was never acknowledged: the message completes instead of being cut short.
    await deliver(second, pdu(Buffer.concat([concatUdh8(13, 3, 2), encodeGsm7('two ')]), { esm_class: 0x40 }));
    await deliver(second, pdu(Buffer.concat([concatUdh8(13, 3, 3), encodeGsm7('three')]), { esm_class: 0x40 }));
    await new Promise((r) => setTimeout(r, 450));
    const byBody = new Map(inboundMessages(second).map((m) => [m.body, m]));
    assert.equal(byBody.get('one two three')?.errorCode, null);
    assert.equal(byBody.get('lonely')?.errorCode, 30009);
    assert.equal(byBody.size, 2);
  });

  test('a part resent after its message was joined does not start a new message', async () => {
    const h = await harness({ reassemblyTimeoutMs: 200 });
    const parts = [1, 2].map((i) => pdu(Buffer.concat([concatUdh8(15, 2, i), encodeGsm7(`p${i} `)]), { esm_class: 0x40 }));
    await deliver(h, parts[0]!);
    await deliver(h, parts[1]!);
    assert.equal(await deliver(h, parts[0]!), 0);
    await new Promise((r) => setTimeout(r, 350));
    assert.deepEqual(inboundMessages(h).map((m) => m.body), ['p1 p2 ']);
  });
});
