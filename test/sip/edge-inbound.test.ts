// Calls from real sipp callers through the SIP edge to a real drachtio-srf app.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type Srf from 'drachtio-srf';
import { ANSWER_SDP, eventually, startHarness } from './harness.js';
import dgram from 'node:dgram';
import { runSipp, sipTesterDataDir } from './sipp.js';

function answeringApp(onDialog?: (d: Srf.Dialog) => void): (srf: Srf) => void {
  return (srf) => {
    srf.invite((req, res) => {
      srf.createUAS(req, res, { localSdp: ANSWER_SDP }).then((d) => onDialog?.(d), () => {});
    });
  };
}

describe('SIP edge, inbound calls (sipp caller → edge → srf)', () => {
  test('inbound call answered with SDP and hung up by the caller (UDP) ends the dialog and reports CDRs', async () => {
    const events: string[] = [];
    let destroyed = false;
    let answerSdpSeen = '';
    let found = false;
    const h = await startHarness((srf) => {
      answeringApp((d) => {
        answerSdpSeen = d.local.sdp;
        // srf looks dialogs up by `<Call-ID>;from-tag=<caller's tag>`: the edge's dialog id must be exactly that
        found = srf.findDialogByCallIDAndFromTag(d.sip.callId, d.sip.remoteTag) === d;
        d.on('destroy', () => { destroyed = true; });
      })(srf);
      srf.on('cdr:attempt', (source: string) => events.push(`attempt:${source}`));
      srf.on('cdr:start', (source: string, _t: string, role: string) => events.push(`start:${source}:${role}`));
      srf.on('cdr:stop', (source: string, _t: string, reason: string) => events.push(`stop:${source}:${reason}`));
    });
    try {
      const r = await runSipp({ scenario: { builtin: 'uac' }, remote: h.edgeUri });
      assert.equal(r.code, 0, r.stderr + r.errors);
      await eventually(() => destroyed, 3000, 'dialog destroy');
      assert.match(answerSdpSeen, /m=audio 40000/);
      assert.ok(found, 'dialog found by Call-ID and From-tag');
      await eventually(() => events.length >= 3, 3000, 'cdr events');
      assert.deepEqual(events, ['attempt:network', 'start:network:uas', 'stop:network:normal-release']);
      assert.equal(h.edge.stats().dialogs, 0);
    } finally {
      await h.close();
    }
  });

  test('inbound call over TCP is answered and hung up by the caller', async () => {
    let destroyed = false;
    const h = await startHarness(answeringApp((d) => d.on('destroy', () => { destroyed = true; })));
    try {
      const r = await runSipp({ scenario: { builtin: 'uac' }, remote: h.edgeUri, transport: 'tcp' });
      assert.equal(r.code, 0, r.stderr + r.errors);
      await eventually(() => destroyed, 3000, 'dialog destroy');
      assert.equal(h.edge.stats().dialogs, 0);
    } finally {
      await h.close();
    }
  });

  test('inbound call answered then hung up by the app sends BYE to the caller', async () => {
    const h = await startHarness(answeringApp((d) => { setTimeout(() => { void d.destroy(); }, 200); }));
    try {
      const r = await runSipp({ scenario: { file: 'uac-app-bye.xml' }, remote: h.edgeUri });
      assert.equal(r.code, 0, r.stderr + r.errors);
      await eventually(() => h.edge.stats().dialogs === 0, 2000, 'dialog removal');
    } finally {
      await h.close();
    }
  });

  test('inbound call hung up by the app over TCP sends BYE on the same connection', async () => {
    const h = await startHarness(answeringApp((d) => { setTimeout(() => { void d.destroy(); }, 200); }));
    try {
      const r = await runSipp({ scenario: { file: 'uac-app-bye.xml' }, remote: h.edgeUri, transport: 'tcp' });
      assert.equal(r.code, 0, r.stderr + r.errors);
    } finally {
      await h.close();
    }
  });

  test('CANCEL after 180 gets 200, the INVITE gets 487 and the app sees the cancel', async () => {
    let canceled = false;
    const stops: string[] = [];
    const h = await startHarness((srf) => {
      srf.invite((req, res) => {
        req.on('cancel', () => { canceled = true; });
        res.send(180);
      });
      srf.on('cdr:stop', (_s: string, _t: string, reason: string) => stops.push(reason));
    });
    try {
      const r = await runSipp({ scenario: { file: 'uac-cancel.xml' }, remote: h.edgeUri });
      assert.equal(r.code, 0, r.stderr + r.errors);
      await eventually(() => canceled, 2000, 'cancel event');
      await eventually(() => stops.length === 1, 2000, 'cdr stop');
      assert.deepEqual(stops, ['call-canceled']);
    } finally {
      await h.close();
    }
  });

  test('re-INVITE both ways: caller holds, app answers recvonly, then app re-INVITEs and hangs up', async () => {
    let appReinviteAnswer = '';
    const h = await startHarness(answeringApp((d) => {
      d.on('modify', (req: Srf.SrfRequest, res: Srf.SrfResponse) => {
        const held = req.body.includes('a=sendonly');
        res.send(200, { body: ANSWER_SDP.replace('a=sendrecv', held ? 'a=recvonly' : 'a=sendrecv') });
        setTimeout(() => {
          d.modify(ANSWER_SDP.replace('a=sendrecv', 'a=sendonly'))
            .then((sdp) => { appReinviteAnswer = sdp; return d.destroy(); })
            .catch(() => {});
        }, 100);
      });
    }));
    try {
      const r = await runSipp({ scenario: { file: 'uac-reinvite.xml' }, remote: h.edgeUri });
      assert.equal(r.code, 0, r.stderr + r.errors);
      assert.match(appReinviteAnswer, /a=recvonly/);
      await eventually(() => h.edge.stats().dialogs === 0, 2000, 'dialog removal');
    } finally {
      await h.close();
    }
  });

  test('lossy UDP path: dropped 200s, INVITEs and BYEs are recovered by retransmission', async () => {
    let destroyed = false;
    const h = await startHarness(answeringApp((d) => d.on('destroy', () => { destroyed = true; })), { timers: { t1: 250, t2: 1000, t4: 1000 } });
    try {
      const r = await runSipp({ scenario: { file: 'uac-lossy.xml' }, remote: h.edgeUri });
      assert.equal(r.code, 0, r.stderr + r.errors);
      await eventually(() => destroyed, 3000, 'dialog destroy');
      // 100, 200, BYE's 200, plus at least two timer-G retransmissions of the 200 while sipp held its ACK
      assert.ok(h.edge.stats().sent >= 5, `edge retransmitted (sent ${h.edge.stats().sent})`);
    } finally {
      await h.close();
    }
  });

  test('a caller that never ACKs the 200 gets a BYE (ACK timeout) and the app sees the call end', async () => {
    let reason = '';
    const h = await startHarness(answeringApp((d) => d.on('destroy', (_req: Srf.SrfRequest, why?: string) => { reason = why ?? ''; })),
      { timers: { t1: 25, t2: 200, t4: 200 } });
    try {
      const r = await runSipp({ scenario: { file: 'uac-no-ack.xml' }, remote: h.edgeUri });
      assert.equal(r.code, 0, r.stderr + r.errors);
      await eventually(() => reason !== '', 3000, 'destroy with reason');
      assert.equal(reason, 'ACK timeout');
      assert.equal(h.edge.stats().dialogs, 0);
    } finally {
      await h.close();
    }
  });

  test('RFC 4733 digits played by the caller arrive at the RTP address the app answered with', async () => {
    const rtp = dgram.createSocket('udp4');
    const digits: number[] = [];
    const seen = new Set<number>();
    rtp.on('message', (pkt) => {
      const pt = (pkt[1] ?? 0) & 0x7f;
      const end = ((pkt[13] ?? 0) & 0x80) !== 0;
      const ts = pkt.readUInt32BE(4);
      if (pt === 101 && end && !seen.has(ts)) { seen.add(ts); digits.push(pkt[12] ?? -1); }
    });
    await new Promise<void>((r) => rtp.bind(0, '127.0.0.1', () => r()));
    const sdp = ANSWER_SDP.replace('m=audio 40000 RTP/AVP 0', `m=audio ${rtp.address().port} RTP/AVP 0 101`)
      .replace('a=sendrecv', 'a=rtpmap:101 telephone-event/8000\r\na=sendrecv');
    const h = await startHarness((srf) => {
      srf.invite((req, res) => { void srf.createUAS(req, res, { localSdp: sdp }).catch(() => {}); });
    });
    try {
      const r = await runSipp({ scenario: { file: 'uac-dtmf.xml', vars: { SIPP_DATA: sipTesterDataDir() } }, remote: h.edgeUri });
      assert.equal(r.code, 0, r.stderr + r.errors);
      await eventually(() => digits.length >= 2, 2000, 'two digits');
      assert.deepEqual(digits, [1, 11], 'digits 1 and # (event 11)');
    } finally {
      rtp.close();
      await h.close();
    }
  });
});
