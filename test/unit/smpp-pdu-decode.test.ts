import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { decodePdu, readWithFastDecoder } from '../../protocols/smpp/pdu-decode.js';
import { encodeSubmitSm, encodeDeliverSm, encodeSubmitSmResp, encodeEmptyIdResponse, SUBMIT_SM_RESP, DELIVER_SM_RESP } from '../../protocols/smpp/pdu-encode.js';
import { smpp, type PDU } from '../../protocols/smpp/wire.js';
import { concatUdh8 } from '../../protocols/smpp/udh.js';
import { encodeGsm7, encodeUcs2 } from '../../protocols/smpp/encoding.js';
import { seededRandom } from '../helpers/seeded-random.js';

const routing = { sourceTon: 1, sourceNpi: 1, source: '15551230000', destTon: 1, destNpi: 1, dest: '14155550100' };

/** PDUs of every shape tandem meets: our encoders' and node-smpp's, TLVs known, filtered, repeated and unknown. */
function samples(): Buffer[] {
  const sm = Buffer.concat([concatUdh8(9, 2, 1), encodeGsm7('Hello {there}')]);
  const withUnknownTlv = (pdu: Buffer): Buffer => {
    const tlv = Buffer.from([0x14, 0x01, 0x00, 0x03, 0x61, 0x62, 0x63]); // id 0x1401, not in node-smpp's table
    const out = Buffer.concat([pdu, tlv]);
    out.writeUInt32BE(out.length, 0);
    return out;
  };
  return [
    encodeSubmitSm(1, { ...routing, esmClass: 0x40, registeredDelivery: 1, dataCoding: 0, shortMessage: sm }),
    encodeSubmitSm(2, {
      ...routing,
      esmClass: 0,
      registeredDelivery: 1,
      dataCoding: 8,
      shortMessage: encodeUcs2('héllo 👋'),
      validityPeriod: '261129120000000+',
      sar: { ref: 7, total: 3, seq: 2 },
    }),
    encodeSubmitSm(3, { ...routing, esmClass: 0, registeredDelivery: 0, dataCoding: 0, shortMessage: Buffer.alloc(300, 0x41) }),
    encodeDeliverSm(4, {
      ...routing,
      esmClass: 0x04,
      registeredDelivery: 0,
      dataCoding: 0,
      shortMessage: Buffer.from('id:abc123 sub:001 dlvrd:001 submit date:2611291200 done date:2611291201 stat:DELIVRD err:000 text:hi', 'latin1'),
      receiptedMessageId: 'abc123',
      messageState: 2,
    }),
    withUnknownTlv(encodeDeliverSm(5, { ...routing, esmClass: 0, registeredDelivery: 0, dataCoding: 3, shortMessage: Buffer.from('caf\xe9', 'latin1') })),
    encodeSubmitSmResp(0, 6, 'msg-6'),
    encodeEmptyIdResponse(SUBMIT_SM_RESP, 0x58, 7),
    encodeEmptyIdResponse(DELIVER_SM_RESP, 0, 8),
    new smpp.PDU('enquire_link', { sequence_number: 9 }).toBuffer(),
    new smpp.PDU('enquire_link_resp', { sequence_number: 10 }).toBuffer(),
    new smpp.PDU('bind_transceiver', { sequence_number: 11, system_id: 'tandem', password: 'secret', interface_version: 0x34 }).toBuffer(),
    new smpp.PDU('bind_transceiver_resp', { sequence_number: 12, system_id: 'smsc', sc_interface_version: 0x34 } as never).toBuffer(),
    new smpp.PDU('generic_nack', { sequence_number: 13, command_status: 3 }).toBuffer(),
    new smpp.PDU('deliver_sm', {
      sequence_number: 14,
      source_addr: '15551230000',
      destination_addr: '12345',
      short_message: Buffer.from('x'),
      network_error_code: Buffer.from([3, 0, 1]),
      callback_num: [{ digit_mode: 0, ton: 1, npi: 1, number: '15551234567' }, { digit_mode: 1, ton: 0, npi: 0, number: '5551212' }],
      user_message_reference: 77,
    } as never).toBuffer(),
    new smpp.PDU('query_sm_resp', { sequence_number: 15, message_id: 'q1', final_date: '261129120000000+', message_state: 2 } as never).toBuffer(),
    // Cut short after the destination address, and inside the short message: node-smpp keeps what it could read.
    ...[40, 58].map((cut) => {
      const whole = encodeDeliverSm(17, { ...routing, esmClass: 0, registeredDelivery: 0, dataCoding: 0, shortMessage: Buffer.from('truncated text') });
      const b = Buffer.from(whole.subarray(0, cut));
      b.writeUInt32BE(cut, 0);
      return b;
    }),
    // An address with no terminating NUL before the end.
    (() => {
      const b = Buffer.from(encodeDeliverSm(18, { ...routing, esmClass: 0, registeredDelivery: 0, dataCoding: 0, shortMessage: Buffer.from('x') }).subarray(0, 30));
      b.writeUInt32BE(30, 0);
      return b;
    })(),
    withUnknownTlv(encodeSubmitSmResp(0, 19, 'with-tlv')),
    new smpp.PDU('submit_sm', {
      sequence_number: 20,
      source_addr: 'ACME',
      destination_addr: '15551234567',
      schedule_delivery_time: new Date(Date.UTC(2026, 10, 29, 12, 0, 0)),
      short_message: Buffer.from('later'),
    } as never).toBuffer(),
    (() => {
      const b = new smpp.PDU('enquire_link', { sequence_number: 16 }).toBuffer();
      b.writeUInt32BE(0x00000777, 4); // a command node-smpp does not know
      return b;
    })(),
  ];
}

function fields(p: PDU): Record<string, unknown> {
  return { ...(p as unknown as Record<string, unknown>) };
}

describe('decodePdu', () => {
  test('gives the same PDU object as node-smpp for every sample', () => {
    for (const buf of samples()) {
      const theirs = new smpp.PDU(buf as never);
      const ours = decodePdu(buf);
      assert.equal(Object.getPrototypeOf(ours), smpp.PDU.prototype);
      assert.deepEqual(fields(ours), fields(theirs), `command ${theirs.command}`);
      assert.deepEqual(Object.keys(ours), Object.keys(theirs), `field order of ${theirs.command}`);
      assert.equal(ours.isResponse(), theirs.isResponse());
    }
  });

  test('reads damaged PDUs as node-smpp does: the same fields, or an error where node-smpp has one', () => {
    // A carrier's bytes are external input: whatever node-smpp would make of a damaged PDU, the fast path must make
    // too, and where node-smpp throws (the session then reports an error and tandem re-binds), so must it.
    const rand = seededRandom(4242);
    const read = (decode: () => PDU): { fields: Record<string, unknown> } | { error: true } => {
      try {
        // Dates as text: an unreadable time is an Invalid Date on both sides, and those never compare equal.
        return { fields: Object.fromEntries(Object.entries(fields(decode())).map(([k, v]) => [k, v instanceof Date ? `date ${String(v)}` : v])) };
      } catch {
        return { error: true };
      }
    };
    const sources = samples();
    let errors = 0;
    for (let round = 0; round < 5000; round++) {
      const source = sources[rand(sources.length)]!;
      let b = Buffer.from(source);
      // command_length stays right (a bind frames PDUs by it, and refuses a wrong one before decoding); the rest is damaged.
      for (let edits = 1 + rand(3); edits > 0; edits--) {
        const kind = b.length > 16 ? rand(4) : 3;
        const at = 16 + rand(Math.max(1, b.length - 16));
        if (kind === 0) b = Buffer.from(b.subarray(0, at)); // cut short
        else if (kind === 1) b[4 + rand(b.length - 4)] = rand(256); // any byte, header included
        else if (kind === 2) b[at] = rand(2) === 0 ? 0 : 0xff; // a NUL where none was, or none where one was
        else b = Buffer.concat([b, Buffer.from([rand(256), rand(256), rand(256)])]); // trailing bytes
      }
      b.writeUInt32BE(b.length, 0);
      const theirs = read(() => new smpp.PDU(Buffer.from(b) as never));
      const ours = read(() => decodePdu(Buffer.from(b)));
      if ('error' in theirs) errors++;
      assert.deepEqual(ours, theirs, `round ${round}: ${b.toString('hex')}`);
    }
    // node-smpp reads almost anything; the few it refuses must be refused here as well.
    assert.ok(errors > 0, 'some damaged PDU should be one node-smpp refuses');
  });
});

/** A node-smpp session reading with readWithFastDecoder, and the socket at the other end that feeds it. */
async function sessionPair(): Promise<{ session: InstanceType<typeof smpp.Session>; peer: Socket; close: () => Promise<void> }> {
  let accepted: Socket | undefined;
  const server = createServer((s) => (accepted = s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
  await new Promise<void>((r) => socket.once('connect', () => r()));
  while (!accepted) await new Promise((r) => setTimeout(r, 5));
  const peer = accepted;
  const session = new smpp.Session({ socket });
  readWithFastDecoder(session);
  const close = async (): Promise<void> => {
    socket.destroy();
    peer.destroy();
    await new Promise((r) => server.close(r));
  };
  return { session, peer, close };
}

describe('readWithFastDecoder', () => {
  test('a node-smpp session gets every PDU, its events and response callbacks, however the bytes are cut', async () => {
    const pdus = samples();
    const stream = Buffer.concat(pdus);
    // Cuts: byte by byte for the first PDUs, then odd sizes, then everything left in one write.
    const cuts: Buffer[] = [];
    let at = 0;
    for (; at < 40; at++) cuts.push(stream.subarray(at, at + 1));
    for (const size of [3, 17, 5, 90, 1, 256]) {
      cuts.push(stream.subarray(at, at + size));
      at += size;
    }
    cuts.push(stream.subarray(at));

    const { session, peer, close } = await sessionPair();
    const seen: PDU[] = [];
    const named: string[] = [];
    const answered: number[] = [];
    (session as unknown as { _callbacks: Record<number, (p: PDU) => void> })._callbacks[6] = (p) => answered.push(p.sequence_number);
    session.on('pdu', (p: PDU) => seen.push(p));
    session.on('submit_sm_resp', (p: PDU) => named.push(`${p.command}:${p.sequence_number}`));
    try {
      for (const c of cuts) {
        peer.write(c);
        await new Promise((r) => setImmediate(r));
      }
      const deadline = Date.now() + 5_000;
      while (seen.length < pdus.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      assert.equal(seen.length, pdus.length);
      for (let i = 0; i < pdus.length; i++) assert.deepEqual(fields(seen[i]!), fields(new smpp.PDU(pdus[i]! as never)));
      assert.deepEqual(named, ['submit_sm_resp:6', 'submit_sm_resp:7', 'submit_sm_resp:19']);
      assert.deepEqual(answered, [6]);
    } finally {
      await close();
    }
  });

  test('a paused session holds its PDUs and hands them over on resume', async () => {
    const { session, peer, close } = await sessionPair();
    const seen: number[] = [];
    session.on('pdu', (p: PDU) => seen.push(p.sequence_number));
    try {
      session.pause();
      peer.write(Buffer.concat([encodeSubmitSmResp(0, 1, 'a'), encodeSubmitSmResp(0, 2, 'b')]));
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(seen, []);
      session.resume();
      const deadline = Date.now() + 2_000;
      while (seen.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      assert.deepEqual(seen, [1, 2]);
    } finally {
      await close();
    }
  });
});
