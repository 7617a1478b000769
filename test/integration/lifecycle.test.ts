import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTandem } from '../helpers/tandem.js';

test('SIGTERM drains in-flight requests and exits 0; the next start reuses the stored account and inventory', async () => {
  const t = await startTandem();
  try {
    const c = t.client();
    const [n] = await c.availablePhoneNumbers('US').local.list({ areaCode: 206, limit: 1 });
    const bought = await c.incomingPhoneNumbers.create({ phoneNumber: n!.phoneNumber });
    // Requests issued right before the signal still get their answers.
    const settled = Promise.allSettled(Array.from({ length: 20 }, () => c.api.v2010.accounts(t.accountSid).fetch()));
    await new Promise((r) => setTimeout(r, 5));
    const code = await t.stop();
    const answered = await settled;
    assert.equal(code, 0, t.output());
    assert.doesNotMatch(t.output(), /"level":(50|60)/, 'no errors logged while stopping');
    assert.doesNotMatch(t.output(), /re-binding/, 'a deliberate unbind is not reported as an outage');
    // Every request either got its full answer or was turned away as the server closed (refused, or 503 on a
    // kept-alive connection): none was cut off half-way with an internal error.
    for (const r of answered) {
      if (r.status === 'fulfilled') assert.equal(r.value.sid, t.accountSid);
      else {
        const e = r.reason as Error & { status?: number };
        assert.ok(e.status === 503 || /ECONNREFUSED|ECONNRESET|socket hang up/.test(e.message), e.message);
      }
    }

    const again = await t.restart();
    assert.doesNotMatch(again.output(), /inventory seeded/, 'no re-seeding on a later start');
    assert.match(again.output(), new RegExp(`AccountSid ${t.accountSid}`), 'same default account');
    assert.doesNotMatch(again.output(), /generated now/);
    const still = await again.client().incomingPhoneNumbers(bought.sid).fetch();
    assert.equal(still.phoneNumber, n!.phoneNumber);
    await again.cleanup();
  } finally {
    await t.cleanup();
  }
});

test('bad configuration is refused with a clear message, not a stack trace', async () => {
  await assert.rejects(startTandem({ env: { TANDEM_HTTP_PORT: 'eighty' } }), /TANDEM_HTTP_PORT must be an integer/);
  await assert.rejects(startTandem({ env: { TANDEM_CARRIERS: '/nonexistent/carriers.json' } }), /cannot read carriers file/);
});
