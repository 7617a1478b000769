// Registered SIP endpoints' bindings on a real LMDB: refreshed in place, newest first, at most ten devices per user,
// never returned once expired and swept from disk; and where a device behind NAT is reached.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openTables, closeTables } from '../../src/store/db.js';
import { MAX_BINDINGS, Registrations } from '../../src/sip-domains/registrations.js';
import { reachable } from '../../src/sip-domains/registered-targets.js';
import type { SipRegistrationRecord } from '../../src/store/records.js';

function binding(contact: string, at: number, over: Partial<SipRegistrationRecord> = {}): SipRegistrationRecord {
  return {
    domainSid: 'SD1', username: 'alice', contact, sourceAddress: '127.0.0.1', sourcePort: 5070, protocol: 'udp', callId: 'c1',
    expiresAt: at + 600_000, userAgent: null, dateCreated: at, dateUpdated: at, ...over,
  };
}

test('bindings are refreshed in place, listed newest first, capped per user, and gone once expired', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-sip-reg-'));
  const tables = openTables(dir);
  let now = 1_000_000;
  const regs = new Registrations(tables, () => now);
  try {
    await regs.bind(binding('sip:alice@10.0.0.5:5060', now));
    now += 1000;
    await regs.bind(binding('sip:alice@10.0.0.6:5060', now));
    assert.deepEqual(regs.bindings('SD1', 'alice').map((b) => b.contact), ['sip:alice@10.0.0.6:5060', 'sip:alice@10.0.0.5:5060']);
    now += 1000;
    await regs.bind(binding('sip:alice@10.0.0.5:5060', now, { dateCreated: now }));
    const refreshed = regs.bindings('SD1', 'alice');
    assert.equal(refreshed.length, 2, 'a REGISTER from the same contact refreshes its binding');
    assert.equal(refreshed[0]!.contact, 'sip:alice@10.0.0.5:5060');
    assert.equal(refreshed[0]!.dateCreated, 1_000_000, 'a refresh keeps when it first registered');
    assert.deepEqual(regs.bindings('SD1', 'bob'), [], "another user's bindings are apart");

    for (let i = 0; i < MAX_BINDINGS + 2; i++) {
      now += 1000;
      await regs.bind(binding(`sip:alice@10.0.1.${i}:5060`, now));
    }
    const capped = regs.bindings('SD1', 'alice');
    assert.equal(capped.length, MAX_BINDINGS);
    assert.equal(capped[0]!.contact, `sip:alice@10.0.1.${MAX_BINDINGS + 1}:5060`, 'the newest device is kept');
    assert.ok(!capped.some((b) => b.contact === 'sip:alice@10.0.0.6:5060'), 'the device that registered least recently gave way');

    await regs.unbind('SD1', 'alice', capped[0]!.contact);
    assert.equal(regs.bindings('SD1', 'alice').length, MAX_BINDINGS - 1);
    now += 600_001;
    assert.deepEqual(regs.bindings('SD1', 'alice'), [], 'expired bindings are never returned');
    assert.equal(await regs.sweep(), MAX_BINDINGS - 1);
    assert.equal([...tables.sipRegistrations.getKeys({})].length, 0, 'and are swept from disk');
  } finally {
    await closeTables(tables);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a device is rung at its Contact, or where its REGISTER came from when that differs (NAT)', () => {
  assert.equal(reachable(binding('sip:alice@127.0.0.1:5070', 0)), 'sip:alice@127.0.0.1:5070');
  assert.equal(reachable(binding('sip:alice@192.168.1.20:5060;ob', 0, { sourceAddress: '203.0.113.7', sourcePort: 40123 })), 'sip:alice@203.0.113.7:40123;ob');
  assert.equal(reachable(binding('sip:alice@192.168.1.20:5060;transport=tcp', 0, { sourceAddress: '203.0.113.7', sourcePort: 40123, protocol: 'tcp' })), 'sip:alice@203.0.113.7:40123;transport=tcp');
});
