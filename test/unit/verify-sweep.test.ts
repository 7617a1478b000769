// Verifications do not pile up: a day after they were made they are swept from LMDB, with the pending entry of one
// that was never checked, while newer ones stay.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeTables, openTables } from '../../src/store/db.js';
import type { VerificationRecord } from '../../src/store/records.js';
import { newSid } from '../../src/util/sid.js';
import { Verify } from '../../src/verify/verify.js';

test('sweep drops verifications over a day old and their pending entries, and keeps the rest', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-verify-sweep-'));
  const tables = openTables(dir);
  try {
    // Sweeping touches neither the sender nor the services.
    const verify = new Verify(tables, null as never, null as never, null as never, null as never);
    const now = Date.now();
    const made = (at: number, to: string): VerificationRecord => ({
      sid: newSid('VE', at), serviceSid: 'VA' + '1'.repeat(32), accountSid: 'AC' + '1'.repeat(32), to, channel: 'sms', status: 'pending',
      code: '123456', checkAttempts: 0, sendCodeAttempts: [], expiresAt: at + 600_000, dateCreated: at, dateUpdated: at,
    });
    const old = made(now - 25 * 3600_000, '+15550000001');
    const fresh = made(now - 3600_000, '+15550000002');
    for (const v of [old, fresh]) {
      await tables.verifications.put(v.sid, v);
      await tables.pendingVerifications.put([v.serviceSid, v.to], v.sid);
    }
    assert.equal(await verify.sweep(now), 2, 'the old record and its pending entry');
    assert.equal(tables.verifications.get(old.sid), undefined);
    assert.equal(tables.pendingVerifications.get([old.serviceSid, old.to]), undefined);
    assert.equal(tables.verifications.get(fresh.sid)?.to, fresh.to);
    assert.equal(tables.pendingVerifications.get([fresh.serviceSid, fresh.to]), fresh.sid);
    verify.close();
  } finally {
    await closeTables(tables);
    rmSync(dir, { recursive: true, force: true });
  }
});
