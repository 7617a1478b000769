// Where a number is, as webhooks report it (FromCity, FromState, FromZip, FromCountry): against a real seeded
// inventory, so a number tandem stocks is placed where its AvailablePhoneNumber said it was.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open, type RootDatabase } from 'lmdb';
import { Inventory } from '../../src/inventory/index.js';
import { NumberGeo, putPlace } from '../../src/numbers/geo.js';

let dir: string;
let root: RootDatabase;
let inv: Inventory;
let geo: NumberGeo;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tandem-geo-test-'));
  root = open({ path: dir });
  inv = new Inventory(root);
  await inv.seedIfEmpty({ usLocal: 1_000, seed: 7 });
  geo = new NumberGeo((e164) => inv.locate(e164));
});

after(async () => {
  await root.close();
  await rm(dir, { recursive: true, force: true });
});

test('a stocked number is where its AvailablePhoneNumber says: city in upper case, state, its ZIP code', () => {
  for (const country of ['US', 'CA', 'GB'] as const) {
    const [n] = inv.search({ country, type: 'local', pageSize: 1 });
    assert.ok(n, `a ${country} number`);
    assert.deepEqual(geo.of(n.phone_number), {
      country,
      state: n.region ?? '',
      city: n.locality?.toUpperCase() ?? '',
      zip: n.postal_code ?? '',
    });
  }
  const [sf] = inv.search({ country: 'US', type: 'local', inLocality: 'San Francisco', pageSize: 1 });
  assert.equal(geo.of(sf!.phone_number).city, 'SAN FRANCISCO');
  assert.equal(geo.of(sf!.phone_number).state, 'CA');
});

test('a sold number keeps its place (its block outlives its stock)', () => {
  const [n] = inv.search({ country: 'US', type: 'local', inRegion: 'NY', pageSize: 1 });
  const before = geo.of(n!.phone_number);
  assert.ok(inv.takeSync(n!.phone_number));
  assert.deepEqual(geo.of(n!.phone_number), before);
  assert.equal(before.state, 'NY');
});

test('a handset in a known area code outside the stocked blocks gets its state or province, not a guessed city', () => {
  // 555 is never an assignable exchange, so these sit in no block.
  assert.deepEqual(geo.of('+12125550123'), { country: 'US', state: 'NY', city: '', zip: '' });
  assert.deepEqual(geo.of('+14165550123'), { country: 'CA', state: 'ON', city: '', zip: '' });
});

test('other numbers get their country from the numbering plan, the calling code\'s main country when no one country fits', () => {
  assert.equal(geo.of('+4915112345678').country, 'DE');
  assert.equal(geo.of('+33612345678').country, 'FR');
  assert.equal(geo.of('+61412345678').country, 'AU');
  assert.equal(geo.of('+77012345678').country, 'KZ', '+7 7… is Kazakhstan, not Russia');
  assert.equal(geo.of('+12425550100').country, 'BS', 'a Caribbean area code of the NANP');
  // Ofcom's drama range is valid nowhere, and +1 555 is no area code: the calling code's main country.
  assert.equal(geo.of('+447700900123').country, 'GB');
  assert.equal(geo.of('+15551234567').country, 'US');
  assert.deepEqual(geo.of('+447700900123'), { country: 'GB', state: '', city: '', zip: '' });
});

test('what cannot be placed is empty, as Twilio leaves it', () => {
  for (const n of ['+999123456', 'client:alice', 'sip:bob@example.com', 'AcmeCo', '']) {
    assert.deepEqual(geo.of(n), { country: '', state: '', city: '', zip: '' }, n);
  }
});

test('putPlace names the four fields after the side they describe, with a stand-in country for a place with none', () => {
  const p: Record<string, string> = { Body: 'hi' };
  putPlace(p, 'Caller', { country: 'US', state: 'CA', city: 'OAKLAND', zip: '94607' });
  putPlace(p, 'To', { country: '', state: '', city: '', zip: '' }, 'GB');
  assert.deepEqual(p, {
    Body: 'hi',
    CallerCity: 'OAKLAND',
    CallerState: 'CA',
    CallerZip: '94607',
    CallerCountry: 'US',
    ToCity: '',
    ToState: '',
    ToZip: '',
    ToCountry: 'GB',
  });
});
