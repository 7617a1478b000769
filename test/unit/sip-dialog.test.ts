import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Dialog, DialogStore } from '../../protocols/sip/sip/dialog.js';

const base = {
  callId: 'c1', localParty: '<sip:me@h>;tag=L', remoteParty: '<sip:you@h>;tag=R', remoteTarget: 'sip:you@h:5070',
  routeSet: [], localCseq: 1, remoteCseq: 1, proto: 'udp' as const, flow: { proto: 'udp' as const, host: '127.0.0.1', port: 5070 },
};

describe('SIP dialog ids', () => {
  test('a UAS dialog id carries the caller\'s From-tag (the remote tag)', () => {
    const d = new Dialog({ ...base, role: 'uas', localTag: 'L', remoteTag: 'R' });
    assert.equal(d.id, 'c1;from-tag=R');
  });

  test('a UAC dialog id carries our own From-tag (the local tag)', () => {
    const d = new Dialog({ ...base, role: 'uac', localTag: 'L', remoteTag: 'R' });
    assert.equal(d.id, 'c1;from-tag=L');
  });

  test('the store finds a dialog from a peer message by Call-ID plus our tag and theirs, and forgets it on removal', () => {
    const store = new DialogStore();
    const d = new Dialog({ ...base, role: 'uas', localTag: 'L', remoteTag: 'R' });
    store.add(d);
    assert.equal(store.find('c1', 'L', 'R'), d);
    assert.equal(store.find('c1', 'R', 'L'), undefined);
    assert.equal(store.get('c1;from-tag=R'), d);
    store.remove(d);
    assert.equal(store.size, 0);
    assert.equal(store.find('c1', 'L', 'R'), undefined);
  });
});
