// The Recordings resource through the real HTTP app (auth, error shape, paging) and the official twilio client:
// recordings saved by Recordings (WAV on disk, LMDB) are listed, filtered, fetched as JSON and as audio, deleted.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openTables, closeTables } from '../../src/store/db.js';
import { Accounts } from '../../src/accounts/accounts.js';
import { Metrics } from '../../src/metrics.js';
import { buildApp } from '../../src/api/app.js';
import type { ApiDeps } from '../../src/api/deps.js';
import { recordingRoutes } from '../../src/api/recordings.js';
import { Recordings } from '../../src/voice/recordings.js';
import { concat, readWav, silence, tone } from '../../protocols/rtp/index.js';
import { twilioClient } from '../helpers/twilio-client.js';
import { ApiKeys } from '../../src/accounts/api-keys.js';
import { Applications } from '../../src/applications/applications.js';
import { MessagingServices } from '../../src/messaging/services.js';
import { errorBodyProblems, resourceSchema, responseSchema, shapeProblems } from '../helpers/spec-schema.js';

const SID = 'AC' + '1'.repeat(32);
const TOKEN = 'recordings-token';
const OTHER = 'AC' + '2'.repeat(32);
const CALL_A = 'CA' + 'a'.repeat(32);
const CALL_B = 'CA' + 'b'.repeat(32);

async function start(t: TestContext) {
  const dataDir = mkdtempSync(join(tmpdir(), 'tandem-recordings-'));
  const tables = openTables(dataDir);
  const accounts = new Accounts(tables);
  await accounts.ensureDefault(SID, TOKEN);
  const recordings = new Recordings({ root: tables.root, dataDir, publicUrl: 'https://tandem.example.test' });
  // Only what the account routes and the recordings routes use: the rest of the switch is not part of this test.
  const deps = { config: { publicUrl: 'https://tandem.example.test' }, tables, accounts, apiKeys: new ApiKeys(tables), applications: new Applications(tables), services: new MessagingServices(tables), metrics: new Metrics(), isReady: () => true } as unknown as ApiDeps;
  const app = await buildApp(deps, false, [recordingRoutes(recordings)]);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  t.after(async () => {
    await app.close();
    await closeTables(tables);
    rmSync(dataDir, { recursive: true, force: true });
  });
  const auth = 'Basic ' + Buffer.from(`${SID}:${TOKEN}`).toString('base64');
  const get = (path: string) => fetch(url + path, { headers: { authorization: auth } });
  return { recordings, client: twilioClient(url, SID, TOKEN), get, url };
}

test('Recordings: list newest first with every spec property, CallSid filter, paging through the SDK, call sub-list', async (t) => {
  const { recordings, client } = await start(t);
  const first = await recordings.save({ accountSid: SID, callSid: CALL_A, pcm: tone([440], 1400), source: 'RecordVerb' });
  await new Promise((r) => setTimeout(r, 5));
  const second = await recordings.save({ accountSid: SID, callSid: CALL_B, pcm: tone([500], 2600), source: 'RecordVerb' });
  await new Promise((r) => setTimeout(r, 5));
  const third = await recordings.save({ accountSid: SID, callSid: CALL_A, pcm: tone([600], 400), source: 'RecordVerb' });
  await recordings.save({ accountSid: OTHER, callSid: CALL_A, pcm: tone([700], 400), source: 'RecordVerb' });

  const all = await client.recordings.list();
  assert.deepEqual(all.map((r) => r.sid), [third.sid, second.sid, first.sid], 'own recordings only, newest first');
  assert.deepEqual(all.map((r) => r.duration), ['1', '3', '1']);
  assert.equal(all[0]!.callSid, CALL_A);
  assert.equal(all[0]!.source, 'RecordVerb');
  assert.equal(all[0]!.status, 'completed');
  assert.equal(all[0]!.mediaUrl, `https://tandem.example.test/2010-04-01/Accounts/${SID}/Recordings/${third.sid}`);

  const onA = await client.recordings.list({ callSid: CALL_A });
  assert.deepEqual(onA.map((r) => r.sid), [third.sid, first.sid]);
  const paged = await client.recordings.list({ pageSize: 1, limit: 3 });
  assert.deepEqual(paged.map((r) => r.sid), [third.sid, second.sid, first.sid]);

  const underCall = await client.calls(CALL_A).recordings.list();
  assert.deepEqual(underCall.map((r) => r.sid), [third.sid, first.sid]);
});

test('Recordings JSON matches the spec schemas (account recording, call recording, both list envelopes)', async (t) => {
  const { recordings, get } = await start(t);
  const r = await recordings.save({ accountSid: SID, callSid: CALL_A, pcm: tone([440], 1000), source: 'RecordVerb' });
  const one = await (await get(`/2010-04-01/Accounts/${SID}/Recordings/${r.sid}.json`)).json();
  assert.deepEqual(shapeProblems(one, resourceSchema('recording')), []);
  const list = await (await get(`/2010-04-01/Accounts/${SID}/Recordings.json?PageSize=5`)).json();
  assert.deepEqual(shapeProblems(list, responseSchema('/2010-04-01/Accounts/{AccountSid}/Recordings.json')), []);
  const callOne = await (await get(`/2010-04-01/Accounts/${SID}/Calls/${CALL_A}/Recordings/${r.sid}.json`)).json();
  assert.deepEqual(shapeProblems(callOne, resourceSchema('api.v2010.account.call.call_recording')), []);
  const callList = await (await get(`/2010-04-01/Accounts/${SID}/Calls/${CALL_A}/Recordings.json`)).json();
  assert.deepEqual(shapeProblems(callList, responseSchema('/2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}/Recordings.json')), []);
});

test('Recordings media: .wav and the bare URL serve the stored audio as WAV; .mp3 and unknown sids are 404s', async (t) => {
  const { recordings, get, url } = await start(t);
  const pcm = concat([tone([440], 700, 0.5), silence(100)]);
  const r = await recordings.save({ accountSid: SID, callSid: CALL_A, pcm, source: 'RecordVerb' });
  for (const suffix of ['.wav', '']) {
    const res = await get(`/2010-04-01/Accounts/${SID}/Recordings/${r.sid}${suffix}`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'audio/x-wav');
    assert.deepEqual(readWav(new Uint8Array(await res.arrayBuffer())), pcm);
  }
  const viaCall = await get(`/2010-04-01/Accounts/${SID}/Calls/${CALL_A}/Recordings/${r.sid}.wav`);
  assert.equal(viaCall.status, 200);
  const wrongCall = await get(`/2010-04-01/Accounts/${SID}/Calls/${CALL_B}/Recordings/${r.sid}.json`);
  assert.equal(wrongCall.status, 404);

  const mp3 = await get(`/2010-04-01/Accounts/${SID}/Recordings/${r.sid}.mp3`);
  assert.equal(mp3.status, 404);
  const missing = await get(`/2010-04-01/Accounts/${SID}/Recordings/RE${'0'.repeat(32)}.json`);
  assert.equal(missing.status, 404);
  assert.deepEqual(errorBodyProblems(await missing.json(), 404), []);
  const unauthenticated = await fetch(`${url}/2010-04-01/Accounts/${SID}/Recordings.json`);
  assert.equal(unauthenticated.status, 401);
  // Like Twilio (media auth off by default): the RecordingUrl's audio plays without credentials; its JSON does not.
  const publicWav = await fetch(`${url}/2010-04-01/Accounts/${SID}/Recordings/${r.sid}.wav`);
  assert.equal(publicWav.status, 200);
  assert.match(publicWav.headers.get('content-type') ?? '', /wav/);
  assert.equal((await fetch(`${url}/2010-04-01/Accounts/${SID}/Recordings/${r.sid}.json`)).status, 401);
  const wrongToken = await fetch(`${url}/2010-04-01/Accounts/${SID}/Recordings/${r.sid}.wav`, { headers: { authorization: 'Basic ' + Buffer.from(`${SID}:nope`).toString('base64') } });
  assert.equal(wrongToken.status, 401, 'credentials, when given, must be right');
});

test('Recordings: delete removes the record, its list entries and the WAV; another account cannot see or delete it', async (t) => {
  const { recordings, client } = await start(t);
  const mine = await recordings.save({ accountSid: SID, callSid: CALL_A, pcm: tone([440], 500), source: 'RecordVerb' });
  const theirs = await recordings.save({ accountSid: OTHER, callSid: CALL_B, pcm: tone([440], 500), source: 'RecordVerb' });
  await assert.rejects(client.recordings(theirs.sid).fetch(), (e: { status?: number; code?: number }) => e.status === 404 && e.code === 20404);
  await assert.rejects(client.recordings(theirs.sid).remove(), (e: { status?: number }) => e.status === 404);
  assert.ok(existsSync(recordings.filePath(theirs)));

  assert.equal(await client.recordings(mine.sid).remove(), true);
  assert.ok(!existsSync(recordings.filePath(mine)));
  assert.equal(recordings.get(mine.sid), undefined);
  assert.deepEqual(await client.recordings.list(), []);
  assert.deepEqual(await client.calls(CALL_A).recordings.list(), []);
  await assert.rejects(client.recordings(mine.sid).fetch(), (e: { status?: number }) => e.status === 404);
});
