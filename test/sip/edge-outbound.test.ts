// Calls placed by a real drachtio-srf app through the SIP edge to sipp far ends.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ANSWER_SDP, eventually, startHarness } from './harness.js';
import { prepareSipp, runSipsak } from './sipp.js';

describe('SIP edge, outbound calls (srf createUAC → edge → sipp)', () => {
  test('outbound call to sipp uas is answered and hung up by the app (UDP)', async () => {
    const h = await startHarness(() => {});
    const starts: string[] = [];
    h.srf.on('cdr:start', (source: string, _t: string, role: string) => starts.push(`${source}:${role}`));
    const far = await prepareSipp({ scenario: { builtin: 'uas' } });
    const peer = far.start();
    try {
      await new Promise((r) => setTimeout(r, 150));
      const uac = await h.srf.createUAC(`sip:bob@127.0.0.1:${far.port}`, { localSdp: ANSWER_SDP });
      assert.match(uac.remote.sdp, /m=audio \d+ RTP\/AVP 0/);
      assert.ok(uac.id.startsWith(uac.sip.callId + ';from-tag='), 'dialog id is callid;from-tag=');
      await uac.destroy();
      const r = await peer.done;
      assert.equal(r.code, 0, r.stderr + r.errors);
      await eventually(() => starts.length === 1, 2000, 'cdr start');
      assert.deepEqual(starts, ['application:uac']);
      assert.equal(h.edge.stats().dialogs, 0);
    } finally {
      peer.kill();
      await h.close();
    }
  });

  test('outbound call over TCP (transport=tcp) is answered and hung up', async () => {
    const h = await startHarness(() => {});
    const far = await prepareSipp({ scenario: { builtin: 'uas' }, transport: 'tcp' });
    const peer = far.start();
    try {
      await new Promise((r) => setTimeout(r, 150));
      const uac = await h.srf.createUAC(`sip:bob@127.0.0.1:${far.port};transport=tcp`, { localSdp: ANSWER_SDP });
      await uac.destroy();
      const r = await peer.done;
      assert.equal(r.code, 0, r.stderr + r.errors);
    } finally {
      peer.kill();
      await h.close();
    }
  });

  for (const status of [401, 407] as const) {
    test(`outbound call challenged with ${status} is retried with digest credentials and connects`, async () => {
      const h = await startHarness(() => {});
      const far = await prepareSipp({ scenario: { file: `uas-${status}.xml` } });
      const peer = far.start();
      try {
        await new Promise((r) => setTimeout(r, 150));
        const uac = await h.srf.createUAC(`sip:5551234@127.0.0.1:${far.port}`, {
          localSdp: ANSWER_SDP,
          auth: { username: 'trunkuser', password: 's3cret' },
        });
        await uac.destroy();
        const r = await peer.done;
        assert.equal(r.code, 0, r.stderr + r.errors);
      } finally {
        peer.kill();
        await h.close();
      }
    });
  }

  test('B2BUA: a sipp caller bridged by srf to a 401-challenging carrier connects, and the caller\'s BYE reaches the carrier', async () => {
    const far = await prepareSipp({ scenario: { file: 'uas-401.xml' } });
    let bridged = false;
    const h = await startHarness((srf) => {
      srf.invite((req, res) => {
        srf.createB2BUA(req, res, `sip:5551234@127.0.0.1:${far.port}`, {
          localSdpB: req.body,
          auth: { username: 'trunkuser', password: 's3cret' },
        }).then(({ uas, uac }) => {
          bridged = true;
          uas.on('destroy', () => { void uac.destroy(); });
          uac.on('destroy', () => { void uas.destroy(); });
        }).catch(() => {});
      });
    });
    const carrier = far.start();
    try {
      await new Promise((r) => setTimeout(r, 150));
      const caller = await prepareSipp({ scenario: { builtin: 'uac' }, remote: h.edgeUri });
      const a = await caller.start().done;
      assert.equal(a.code, 0, a.stderr + a.errors);
      const b = await carrier.done;
      assert.equal(b.code, 0, b.stderr + b.errors);
      assert.ok(bridged);
      await eventually(() => h.edge.stats().dialogs === 0, 2000, 'both dialogs gone');
    } finally {
      carrier.kill();
      await h.close();
    }
  });

  test('the app cancels a ringing outbound call: the far end gets CANCEL, answers 487 and gets our ACK', async () => {
    const h = await startHarness(() => {});
    const far = await prepareSipp({ scenario: { file: 'uas-ring-cancelled.xml' } });
    const peer = far.start();
    try {
      await new Promise((r) => setTimeout(r, 150));
      let ringing = false;
      await assert.rejects(
        h.srf.createUAC(`sip:bob@127.0.0.1:${far.port}`, { localSdp: ANSWER_SDP }, {
          cbRequest: (_err, req) => { setTimeout(() => req.cancel(), 300); },
          cbProvisional: (res) => { if (res.status === 180) ringing = true; },
        }),
        (err: { status?: number }) => err.status === 487,
      );
      assert.ok(ringing, 'the app saw 180');
      const r = await peer.done;
      assert.equal(r.code, 0, r.stderr + r.errors);
    } finally {
      peer.kill();
      await h.close();
    }
  });

  test('outbound call to a port where nobody answers fails with 408 from the edge', async () => {
    const h = await startHarness(() => {}, { timers: { t1: 20, t2: 100, t4: 100 } });
    try {
      await assert.rejects(
        h.srf.createUAC('sip:nobody@127.0.0.1:9', { localSdp: ANSWER_SDP }),
        (err: { status?: number }) => err.status === 408,
      );
      await eventually(() => h.edge.stats().clientTransactions === 0, 2000, 'transaction cleanup');
    } finally {
      await h.close();
    }
  });

  test('OPTIONS from the app to a trunk is answered 200', async () => {
    const h = await startHarness(() => {});
    const far = await prepareSipp({ scenario: { file: 'uas-options.xml' } });
    const peer = far.start();
    try {
      await new Promise((r) => setTimeout(r, 150));
      const status = await new Promise<number>((resolve, reject) => {
        h.srf.request(`sip:ping@127.0.0.1:${far.port}`, { method: 'OPTIONS' }, (err, req) => {
          if (err) return reject(err);
          req.on('response', (res: { status: number }) => resolve(res.status));
        });
      });
      assert.equal(status, 200);
      const r = await peer.done;
      assert.equal(r.code, 0, r.stderr + r.errors);
    } finally {
      peer.kill();
      await h.close();
    }
  });

  test('OPTIONS ping from sipsak is answered 200 by the edge when no app routes OPTIONS', async () => {
    const h = await startHarness(() => {});
    try {
      const r = await runSipsak(`sip:ping@${h.edgeUri}`, ['-vv']);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /200 OK/);
    } finally {
      await h.close();
    }
  });

  test('OPTIONS ping from sipsak reaches an app that routes OPTIONS and gets its answer', async () => {
    let seen = 0;
    const h = await startHarness((srf) => {
      srf.options((_req, res) => { seen++; res.send(200, { headers: { 'X-Answered-By': 'app' } }); });
    });
    try {
      const r = await runSipsak(`sip:ping@${h.edgeUri}`, ['-vv']);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /X-Answered-By: app/);
      assert.equal(seen, 1);
    } finally {
      await h.close();
    }
  });
});
