import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open, type RootDatabase } from 'lmdb';
import { Inventory, parseContains, toApiJson, type AvailableNumber, type SearchQuery } from '../../src/inventory/index.js';

const US_LOCAL = 3_000;
let dir: string;
let root: RootDatabase;
let inv: Inventory;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tandem-inv-test-'));
  root = open({ path: dir });
  inv = new Inventory(root);
  const r = await inv.seedIfEmpty({ usLocal: US_LOCAL, seed: 42 });
  assert.equal(r.seeded, true);
});

after(async () => {
  await root.close();
  await rm(dir, { recursive: true, force: true });
});

const local = (extra: Partial<SearchQuery> = {}): SearchQuery => ({ country: 'US', type: 'local', pageSize: 30, ...extra });
const national = (n: AvailableNumber): string => n.phone_number.replace(/^\+1/, '');
/** Everything of one country/type: ground truth to check filtered searches against. */
const everything = (country = 'US', type: SearchQuery['type'] = 'local'): AvailableNumber[] =>
  inv.search({ country, type, pageSize: 100_000 });
const phones = (list: AvailableNumber[]): string[] => list.map((n) => n.phone_number).sort();

describe('inventory contents', () => {
  test('countries list US local and toll-free, CA local, GB local and mobile', () => {
    assert.deepEqual(
      inv.countries().map((c) => [c.countryCode, c.types]),
      [['US', ['local', 'tollFree']], ['CA', ['local']], ['GB', ['local', 'mobile']]],
    );
  });

  test('US local numbers carry the full geography and NANP formatting', () => {
    const all = everything();
    assert.equal(all.length, US_LOCAL);
    for (const n of all.slice(0, 200)) {
      assert.match(n.phone_number, /^\+1[2-9]\d{2}[2-9]\d{6}$/);
      assert.equal(n.friendly_name, `(${national(n).slice(0, 3)}) ${national(n).slice(3, 6)}-${national(n).slice(6)}`);
      assert.ok(n.region && n.locality && n.postal_code && n.rate_center && n.lata);
      assert.equal(typeof n.latitude, 'number');
      assert.equal(n.sender_class, 'long_code');
      assert.equal(n.beta, false);
    }
    const npas = new Set(all.map((n) => national(n).slice(0, 3)));
    for (const npa of ['415', '212', '312', '617', '512', '206']) assert.ok(npas.has(npa), `area code ${npa} stocked`);
    assert.ok(npas.size >= 60);
  });

  test('capabilities vary: some local numbers lack MMS or fax', () => {
    const all = everything();
    assert.ok(all.some((n) => !n.capabilities.mms));
    assert.ok(all.some((n) => n.capabilities.mms));
    assert.ok(all.some((n) => !n.capabilities.fax));
  });

  test('toll-free numbers sit in the NANP toll-free codes, send SMS, and have no geography', () => {
    const tf = everything('US', 'tollFree');
    assert.ok(tf.length > 0);
    for (const n of tf) {
      assert.ok(['800', '833', '844', '855', '866', '877', '888'].includes(national(n).slice(0, 3)));
      assert.equal(n.sender_class, 'toll_free');
      assert.equal(n.capabilities.sms, true);
      assert.equal(n.region, null);
      assert.equal(n.lata, null);
    }
  });

  test('GB numbers are +44 in national format, London 020 and 07 mobiles included', () => {
    const gbLocal = everything('GB', 'local');
    const london = gbLocal.find((n) => n.phone_number.startsWith('+4420'));
    assert.ok(london);
    assert.match(london.friendly_name, /^020 \d{4} \d{4}$/);
    assert.equal(london.locality, 'London');
    const manchester = gbLocal.find((n) => n.phone_number.startsWith('+44161'));
    assert.ok(manchester);
    assert.match(manchester.friendly_name, /^0161 \d{3} \d{4}$/);
    const mobile = everything('GB', 'mobile')[0];
    assert.ok(mobile);
    assert.match(mobile.phone_number, /^\+447\d{9}$/);
    assert.match(mobile.friendly_name, /^07\d{3} \d{6}$/);
    assert.equal(mobile.type, 'mobile');
  });
});

describe('search filters', () => {
  test('AreaCode returns only that area code, at most PageSize, in a stable order', () => {
    const r = inv.search(local({ areaCode: '415', pageSize: 20 }));
    assert.equal(r.length, 20);
    assert.ok(r.every((n) => n.phone_number.startsWith('+1415')));
    assert.deepEqual(inv.search(local({ areaCode: '415', pageSize: 20 })), r);
  });

  test('an area code with no stock returns nothing', () => {
    assert.deepEqual(inv.search(local({ areaCode: '999' })), []);
  });

  test('Contains finds exactly the numbers the pattern matches, alone and with other filters', () => {
    const all = everything();
    const cases: Array<Partial<SearchQuery>> = [
      { contains: '55' }, { contains: '12*' }, { contains: '00$' }, { contains: '+41' }, { contains: 'STORE' },
      { contains: '510555****' }, { contains: '%CALL' }, { contains: '*77*' }, { contains: '13', areaCode: '212' },
      { contains: '987', inRegion: 'TX' }, { contains: '01$', inLocality: 'Seattle' }, { contains: '+617', smsEnabled: true },
      // Matches starting inside the area code: wholly inside it, and running on into the local number.
      { contains: '41' }, { contains: '15*' }, { contains: '1555' }, { contains: '2125' }, { contains: '*06**' },
      { contains: '**21' }, { contains: '12**' }, { contains: '**02$' }, { contains: '4156$' },
    ];
    for (const c of cases) {
      const parsed = parseContains(c.contains!);
      assert.ok(parsed.ok, c.contains);
      const got = inv.search(local({ ...c, pageSize: 100_000 }));
      const expected = all.filter((n) =>
        parsed.pattern.regex.test(national(n)) &&
        (c.areaCode === undefined || national(n).startsWith(c.areaCode)) &&
        (c.inRegion === undefined || n.region === c.inRegion) &&
        (c.inLocality === undefined || n.locality === c.inLocality) &&
        (c.smsEnabled === undefined || n.capabilities.sms === c.smsEnabled));
      assert.deepEqual(phones(got), phones(expected), `Contains ${JSON.stringify(c)}`);
      const page = inv.search(local({ ...c, pageSize: 5 }));
      assert.equal(page.length, Math.min(5, expected.length));
    }
  });

  test('InRegion, InLocality, InPostalCode, InRateCenter+InLata and InLata', () => {
    const ca = inv.search(local({ inRegion: 'ca', pageSize: 200 }));
    assert.ok(ca.length > 0 && ca.every((n) => n.region === 'CA'));
    const boston = inv.search(local({ inLocality: 'Boston' }));
    assert.ok(boston.length > 0 && boston.every((n) => n.locality === 'Boston' && n.region === 'MA'));
    const zip = inv.search(local({ inPostalCode: '94110', pageSize: 1000 }));
    assert.ok(zip.length > 0 && zip.every((n) => n.postal_code === '94110'));
    assert.equal(zip.length, everything().filter((n) => n.postal_code === '94110').length);
    const rc = inv.search(local({ inRateCenter: 'SEATTLE', inLata: '674' }));
    assert.ok(rc.length > 0 && rc.every((n) => n.rate_center === 'SEATTLE' && n.lata === '674'));
    const lata = inv.search(local({ inLata: '132', pageSize: 1000 }));
    assert.ok(lata.length > 0 && lata.every((n) => n.region === 'NY'));
  });

  test('In* filters given a phone number mean "same as that number"', () => {
    const sf = inv.search(local({ areaCode: '415', inLocality: 'San Francisco', pageSize: 1 }))[0]!;
    const sameRegion = inv.search(local({ inRegion: sf.phone_number, pageSize: 100 }));
    assert.ok(sameRegion.length > 0 && sameRegion.every((n) => n.region === 'CA'));
    const sameZip = inv.search(local({ inPostalCode: sf.phone_number, pageSize: 100 }));
    assert.ok(sameZip.every((n) => n.postal_code === sf.postal_code));
  });

  test('NearLatLong and NearNumber keep results within Distance miles', () => {
    const miles = (a: { latitude: number | null; longitude: number | null }, lat: number, lon: number): number => {
      const rad = Math.PI / 180;
      const h = Math.sin(((lat - a.latitude!) * rad) / 2) ** 2 +
        Math.cos(lat * rad) * Math.cos(a.latitude! * rad) * Math.sin(((lon - a.longitude!) * rad) / 2) ** 2;
      return 3958.8 * 2 * Math.asin(Math.sqrt(h));
    };
    const near = inv.search(local({ nearLatLong: '47.6062,-122.3321', distance: 15, pageSize: 200 }));
    assert.ok(near.length > 0);
    // Numbers sit up to ~2 miles from their rate centre, which is what Distance is measured to.
    assert.ok(near.every((n) => miles(n, 47.6062, -122.3321) <= 15 + 3));
    assert.ok(near.some((n) => n.locality === 'Bellevue'), 'Bellevue is within 15 miles of Seattle');
    assert.ok(!near.some((n) => n.locality === 'Tacoma'), 'Tacoma is about 25 miles away');
    const byNumber = inv.search(local({ nearNumber: '+12125550100', pageSize: 200 }));
    assert.ok(byNumber.length > 0 && byNumber.every((n) => miles(n, 40.7831, -73.9712) <= 25 + 3));
  });

  test('capability filters', () => {
    for (const cap of ['sms', 'mms', 'voice', 'fax'] as const) {
      const key = `${cap}Enabled` as const;
      for (const want of [true, false]) {
        const r = inv.search(local({ [key]: want, pageSize: 100 }));
        assert.ok(r.every((n) => n.capabilities[cap] === want), `${key}=${want}`);
        const expected = everything().filter((n) => n.capabilities[cap] === want).length;
        assert.equal(r.length, Math.min(100, expected), `${key}=${want}`);
      }
    }
  });

  test('Exclude*AddressRequired drops GB numbers that need an address', () => {
    const gb = everything('GB', 'local');
    assert.ok(gb.some((n) => n.address_requirements === 'local'));
    const r = inv.search({ country: 'GB', type: 'local', pageSize: 10_000, excludeLocalAddressRequired: true });
    assert.ok(r.length > 0 && r.every((n) => n.address_requirements !== 'local'));
    assert.deepEqual(inv.search({ country: 'GB', type: 'local', pageSize: 10, excludeAllAddressRequired: true }), []);
  });

  test('CA searches by province', () => {
    const on = inv.search({ country: 'CA', type: 'local', inRegion: 'ON', pageSize: 500 });
    assert.ok(on.length > 0 && on.every((n) => n.iso_country === 'CA' && n.region === 'ON'));
    assert.ok(on.some((n) => n.phone_number.startsWith('+1416')) && on.some((n) => n.phone_number.startsWith('+1613')));
  });

  test('a type a country does not stock returns nothing', () => {
    assert.deepEqual(inv.search({ country: 'US', type: 'mobile', pageSize: 10 }), []);
    assert.deepEqual(inv.search({ country: 'FR', type: 'local', pageSize: 10 }), []);
  });
});

describe('API JSON', () => {
  test('has every schema property, live-API capability keys and string coordinates', () => {
    const json = toApiJson(inv.search(local({ areaCode: '206', pageSize: 1 }))[0]!);
    assert.deepEqual(Object.keys(json).sort(), [
      'address_requirements', 'beta', 'capabilities', 'friendly_name', 'iso_country', 'lata', 'latitude',
      'locality', 'longitude', 'phone_number', 'postal_code', 'rate_center', 'region',
    ]);
    assert.deepEqual(Object.keys(json.capabilities as object), ['voice', 'SMS', 'MMS', 'fax']);
    assert.match(json.latitude as string, /^-?\d+\.\d{6}$/);
    assert.match(json.longitude as string, /^-?\d+\.\d{6}$/);
    const tf = toApiJson(inv.search({ country: 'US', type: 'tollFree', pageSize: 1 })[0]!);
    assert.equal(tf.latitude, null);
  });
});

describe('taking and returning numbers', () => {
  /** Every kind of search that should see `n` while it is available. */
  const visibility = (n: AvailableNumber): Record<string, boolean> => {
    const has = (q: Partial<SearchQuery>): boolean =>
      inv.search(local({ ...q, pageSize: 100_000 })).some((x) => x.phone_number === n.phone_number);
    return {
      get: inv.get(n.phone_number) !== undefined,
      areaCode: has({ areaCode: national(n).slice(0, 3) }),
      contains: has({ contains: national(n).slice(4, 9) }),
      endsWith: has({ contains: national(n).slice(6) + '$' }),
      startsWith: has({ contains: '+' + national(n).slice(0, 7) }),
      locality: has({ inLocality: n.locality! }),
      postalCode: has({ inPostalCode: n.postal_code! }),
      near: has({ nearLatLong: `${n.latitude},${n.longitude}`, distance: 5 }),
    };
  };

  test('a taken number vanishes from get and every search, and comes back when put back', async () => {
    const n = inv.search(local({ areaCode: '617', pageSize: 3 }))[2]!;
    const allTrue = Object.fromEntries(Object.keys(visibility(n)).map((k) => [k, true]));
    const allFalse = Object.fromEntries(Object.keys(allTrue).map((k) => [k, false]));
    assert.deepEqual(visibility(n), allTrue);

    const taken = await root.transaction(() => inv.takeSync(n.phone_number));
    assert.deepEqual(taken, n);
    assert.deepEqual(visibility(n), allFalse);
    assert.equal(await root.transaction(() => inv.takeSync(n.phone_number)), undefined, 'cannot be taken twice');

    await root.transaction(() => inv.putBackSync(n));
    assert.deepEqual(visibility(n), allTrue);
    assert.deepEqual(inv.get(n.phone_number), n);
  });

  test('two buyers racing for one number: exactly one gets it', async () => {
    const n = inv.search(local({ areaCode: '512', pageSize: 1 }))[0]!;
    const results = await Promise.all([
      root.transaction(() => inv.takeSync(n.phone_number)),
      root.transaction(() => inv.takeSync(n.phone_number)),
    ]);
    assert.equal(results.filter((r) => r !== undefined).length, 1);
    await root.transaction(() => inv.putBackSync(n));
  });

  test('firstInAreaCodeSync picks the lowest available number, skipping taken ones', async () => {
    const first = inv.firstInAreaCodeSync('312', 'US');
    assert.ok(first);
    assert.equal(first.phone_number, inv.search(local({ areaCode: '312', pageSize: 1 }))[0]!.phone_number);
    await root.transaction(() => inv.takeSync(first.phone_number));
    const next = inv.firstInAreaCodeSync('312', 'US');
    assert.ok(next && next.phone_number !== first.phone_number);
    await root.transaction(() => inv.putBackSync(first));
    assert.equal(inv.firstInAreaCodeSync('800', 'US')?.type, 'tollFree');
    assert.equal(inv.firstInAreaCodeSync('416', 'CA')?.iso_country, 'CA');
    assert.equal(inv.firstInAreaCodeSync('999', 'US'), undefined);
  });

  test('unknown or malformed numbers cannot be taken', async () => {
    assert.equal(await root.transaction(() => inv.takeSync('+19995550100')), undefined);
    assert.equal(await root.transaction(() => inv.takeSync('not a number')), undefined);
    assert.equal(inv.get('+4412'), undefined);
  });
});

describe('seeding', () => {
  test('seedIfEmpty is idempotent and fast once seeded, also after reopening the environment', async () => {
    const again = await inv.seedIfEmpty({ usLocal: US_LOCAL, seed: 42 });
    assert.equal(again.seeded, false);
    assert.ok(again.ms < 50, `took ${again.ms} ms`);
    const other = await mkdtemp(join(tmpdir(), 'tandem-inv-test-'));
    try {
      let r2 = open({ path: other });
      const first = await new Inventory(r2).seedIfEmpty({ usLocal: 500, seed: 42 });
      assert.equal(first.seeded, true);
      await r2.close();
      r2 = open({ path: other });
      const reopened = new Inventory(r2);
      const second = await reopened.seedIfEmpty({ usLocal: 500, seed: 42 });
      assert.deepEqual([second.seeded, second.count], [false, first.count]);
      assert.ok(second.ms < 50);
      assert.equal(reopened.search(local({ pageSize: 1000 })).length, 500, 'search works straight after reopening');
      await r2.close();
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  test('the same seed gives the same inventory; another seed a different one', async () => {
    const build = async (seed: number): Promise<string[]> => {
      const d = await mkdtemp(join(tmpdir(), 'tandem-inv-test-'));
      const r = open({ path: d });
      try {
        const i = new Inventory(r);
        await i.seedIfEmpty({ usLocal: 500, seed });
        return i.search(local({ pageSize: 1000 })).map((n) => n.phone_number);
      } finally {
        await r.close();
        await rm(d, { recursive: true, force: true });
      }
    };
    const [a, b, c] = [await build(7), await build(7), await build(8)];
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });
});
