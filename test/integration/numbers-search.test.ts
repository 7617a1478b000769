// AvailablePhoneNumbers through the official twilio client (and raw HTTP where the wire format itself is the
// point): every filter is checked against a brute-force filter of the same area code's full listing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTandem, type Tandem } from '../helpers/tandem.js';
import type { TwilioClient } from '../helpers/twilio-client.js';

interface Raw {
  phone_number: string;
  friendly_name: string;
  locality: string | null;
  region: string | null;
  postal_code: string | null;
  latitude: string | null;
  longitude: string | null;
  iso_country: string;
  capabilities: Record<string, boolean>;
}

let t: Tandem;
let c: TwilioClient;
let A: string;
/** Every available 415 number (the seed puts ~100 there with 5000 US local numbers). */
let all415: Raw[];

async function raw(query: string, country = 'US', type = 'Local'): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await t.fetch(`${A}/AvailablePhoneNumbers/${country}/${type}.json${query ? '?' + query : ''}`);
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

async function search(query: string, country = 'US', type = 'Local'): Promise<Raw[]> {
  const r = await raw(query, country, type);
  assert.equal(r.status, 200, `${query}: ${JSON.stringify(r.body)}`);
  return r.body.available_phone_numbers as Raw[];
}

const numbersOf = (xs: Array<{ phone_number?: string; phoneNumber?: string }>) => xs.map((x) => x.phone_number ?? x.phoneNumber);

before(async () => {
  t = await startTandem();
  c = t.client();
  A = `/2010-04-01/Accounts/${t.accountSid}`;
  all415 = await search('AreaCode=415&PageSize=1000');
  assert.ok(all415.length >= 30 && all415.length < 1000, `415 holds ${all415.length} numbers`);
});
after(async () => {
  await t.cleanup();
});

test('AreaCode: the client gets only that area code, at most PageSize, in a stable order', async () => {
  const found = await c.availablePhoneNumbers('US').local.list({ areaCode: 415, limit: 7 });
  assert.equal(found.length, 7);
  for (const n of found) {
    assert.match(n.phoneNumber, /^\+1415\d{7}$/);
    assert.match(n.friendlyName, /^\(415\) \d{3}-\d{4}$/);
    assert.equal(n.isoCountry, 'US');
    assert.equal(n.region, 'CA');
  }
  assert.deepEqual(numbersOf(found), numbersOf(all415.slice(0, 7)));
  for (const ac of [212, 312, 617, 512, 206]) {
    const xs = await c.availablePhoneNumbers('US').local.list({ areaCode: ac, limit: 3 });
    assert.equal(xs.length, 3, String(ac));
    assert.ok(xs.every((n) => n.phoneNumber.startsWith(`+1${ac}`)), String(ac));
  }
});

test('PageSize: default page is 30, PageSize caps it, and a search is a single page', async () => {
  const dflt = await raw('');
  assert.equal((dflt.body.available_phone_numbers as Raw[]).length, 30);
  assert.equal(dflt.body.next_page_uri ?? null, null);
  assert.equal((await search('PageSize=3')).length, 3);
  assert.equal((await search('AreaCode=415&PageSize=1000')).length, all415.length);
  // limit above what exists: the client gets everything and stops (no next page to follow).
  const xs = await c.availablePhoneNumbers('US').local.list({ areaCode: 415, limit: 5000 });
  assert.equal(xs.length, all415.length);
});

test('Contains with digits, with * wildcards and with keypad letters matches exactly what a brute-force filter finds', async () => {
  const nat = (n: Raw) => n.phone_number.slice(2);
  const sample = all415[Math.floor(all415.length / 2)]!;
  const digits = nat(sample).slice(5, 8);
  const byDigits = await search(`AreaCode=415&Contains=${digits}&PageSize=1000`);
  assert.ok(byDigits.length >= 1);
  assert.deepEqual(numbersOf(byDigits), numbersOf(all415.filter((n) => nat(n).includes(digits))));

  // `*` is exactly one digit: 415 + three given digits + four more, anchored at the start.
  const head = nat(sample).slice(0, 6);
  const wild = await c.availablePhoneNumbers('US').local.list({ contains: `${head}****`, limit: 1000 });
  assert.deepEqual(numbersOf(wild), numbersOf(all415.filter((n) => nat(n).startsWith(head))));
  const endWild = await search(`AreaCode=415&Contains=${encodeURIComponent(`*${nat(sample).slice(-3)}$`)}&PageSize=1000`);
  assert.deepEqual(numbersOf(endWild), numbersOf(all415.filter((n) => nat(n).endsWith(nat(sample).slice(-3)))));

  // Letters are keypad digits: spell the last four digits of a number (digits 2-9 only) as a word.
  const LETTER: Record<string, string> = { 2: 'A', 3: 'D', 4: 'G', 5: 'J', 6: 'M', 7: 'P', 8: 'T', 9: 'W' };
  const spellable = all415.find((n) => /^[2-9]{4}$/.test(nat(n).slice(-4)));
  assert.ok(spellable, 'some 415 number ends in four digits from 2-9');
  const tail = nat(spellable).slice(-4);
  const word = [...tail].map((d) => LETTER[d]).join('');
  const byWord = await c.availablePhoneNumbers('US').local.list({ areaCode: 415, contains: word, limit: 1000 });
  assert.ok(numbersOf(byWord).includes(spellable.phone_number), `${word} finds ${spellable.phone_number}`);
  assert.deepEqual(numbersOf(byWord), numbersOf(all415.filter((n) => nat(n).includes(tail))));
  // Lower case and mixed letters and digits spell the same thing.
  const mixed = await search(`AreaCode=415&Contains=${word.slice(0, 2).toLowerCase()}${tail.slice(2)}&PageSize=1000`);
  assert.deepEqual(numbersOf(mixed), numbersOf(byWord));
});

test('InRegion, InLocality and InPostalCode narrow to exactly the matching numbers', async () => {
  const ca = await c.availablePhoneNumbers('US').local.list({ inRegion: 'CA', limit: 50 });
  assert.ok(ca.length > 0 && ca.every((n) => n.region === 'CA'));
  assert.deepEqual(await c.availablePhoneNumbers('US').local.list({ areaCode: 212, inRegion: 'CA', limit: 50 }), []);

  const locality = all415.find((n) => n.locality !== 'San Francisco')!.locality!;
  const inLocality = await c.availablePhoneNumbers('US').local.list({ areaCode: 415, inLocality: locality, limit: 1000 });
  assert.ok(inLocality.length > 0);
  assert.deepEqual(numbersOf(inLocality), numbersOf(all415.filter((n) => n.locality === locality)));

  const postal = all415[all415.length - 1]!.postal_code!;
  const inPostal = await c.availablePhoneNumbers('US').local.list({ areaCode: 415, inPostalCode: postal, limit: 1000 });
  assert.ok(inPostal.length > 0);
  assert.deepEqual(numbersOf(inPostal), numbersOf(all415.filter((n) => n.postal_code === postal)));
  assert.ok(inPostal.every((n) => n.postalCode === postal));

  // InRateCenter needs InLata (Twilio's rule); together they narrow like the others.
  const full = (await search('AreaCode=415&PageSize=1000')) as Array<Raw & { rate_center: string; lata: string }>;
  const { rate_center: rc, lata } = full.find((n) => n.locality === locality)!;
  const inRc = await c.availablePhoneNumbers('US').local.list({ areaCode: 415, inRateCenter: rc, inLata: lata, limit: 1000 });
  assert.ok(inRc.length > 0);
  assert.deepEqual(numbersOf(inRc), numbersOf(full.filter((n) => n.rate_center === rc && n.lata === lata)));
  assert.equal((await raw(`InRateCenter=${encodeURIComponent(rc)}`)).body.code, 20001);
});

test('NearNumber and Distance: numbers near the given one, farther ones only with a larger distance', async () => {
  // The SDK types latitude/longitude as numbers; the live API (and tandem) sends strings like "37.974760".
  const miles = (a: Raw, b: { latitude: unknown; longitude: unknown }) => {
    const rad = Math.PI / 180;
    const [la1, lo1, la2, lo2] = [a.latitude, a.longitude, b.latitude, b.longitude].map(Number) as [number, number, number, number];
    const h = Math.sin(((la2 - la1) * rad) / 2) ** 2 + Math.cos(la1 * rad) * Math.cos(la2 * rad) * Math.sin(((lo2 - lo1) * rad) / 2) ** 2;
    return 3958.8 * 2 * Math.asin(Math.sqrt(h));
  };
  const centre = all415.find((n) => n.locality === 'San Rafael') ?? all415[0]!;
  const near = await c.availablePhoneNumbers('US').local.list({ nearNumber: centre.phone_number, distance: 5, limit: 1000 });
  assert.ok(near.length > 0);
  // Reported coordinates are per number, the distance test per exchange; allow a few miles of spread.
  for (const n of near) assert.ok(miles(centre, n) < 12, `${n.phoneNumber} (${n.locality}) is ${miles(centre, n).toFixed(1)} mi away`);
  const wide = await c.availablePhoneNumbers('US').local.list({ nearNumber: centre.phone_number, distance: 60, limit: 1000 });
  assert.ok(wide.length > near.length, 'a larger distance finds more numbers');
  assert.ok(wide.some((n) => miles(centre, n) > 12), 'including farther ones');
  assert.ok(wide.every((n) => n.region === 'CA'), 'but nothing across the country');
});

test('SmsEnabled, MmsEnabled and VoiceEnabled filter on capabilities both ways', async () => {
  const withoutSms = all415.filter((n) => !n.capabilities.SMS);
  assert.ok(withoutSms.length > 0 && withoutSms.length < all415.length, 'the 415 stock mixes SMS and voice-only numbers');
  const smsOff = await c.availablePhoneNumbers('US').local.list({ areaCode: 415, smsEnabled: false, limit: 1000 });
  assert.deepEqual(numbersOf(smsOff), numbersOf(withoutSms));
  const smsOn = await c.availablePhoneNumbers('US').local.list({ areaCode: 415, smsEnabled: true, limit: 1000 });
  assert.deepEqual(numbersOf(smsOn), numbersOf(all415.filter((n) => n.capabilities.SMS)));
  const mmsOn = await search('AreaCode=415&MmsEnabled=true&PageSize=1000');
  assert.deepEqual(numbersOf(mmsOn), numbersOf(all415.filter((n) => n.capabilities.MMS)));
  const voiceOff = await search('AreaCode=415&VoiceEnabled=false&PageSize=1000');
  assert.deepEqual(numbersOf(voiceOff), numbersOf(all415.filter((n) => !n.capabilities.voice)));
  const all3 = await search('AreaCode=415&VoiceEnabled=true&SmsEnabled=true&MmsEnabled=true&PageSize=1000');
  assert.deepEqual(numbersOf(all3), numbersOf(all415.filter((n) => n.capabilities.voice && n.capabilities.SMS && n.capabilities.MMS)));
});

test('capability keys: SMS/MMS upper case in AvailablePhoneNumbers (as the live API), lower case once bought', async () => {
  // 206, not 415: the other tests compare against the 415 stock and must not see it shrink.
  const [first] = (await raw('AreaCode=206&PageSize=1')).body.available_phone_numbers as Raw[];
  assert.deepEqual(Object.keys(first!.capabilities).sort(), ['MMS', 'SMS', 'fax', 'voice']);
  // The SDK passes the object through, so user code written against Twilio reads the same keys.
  const [viaSdk] = await c.availablePhoneNumbers('US').local.list({ areaCode: 206, limit: 1 });
  assert.deepEqual(Object.keys(viaSdk!.capabilities).sort(), ['MMS', 'SMS', 'fax', 'voice']);

  const bought = await c.incomingPhoneNumbers.create({ phoneNumber: first!.phone_number });
  const r = await t.fetch(`${A}/IncomingPhoneNumbers/${bought.sid}.json`);
  const body = (await r.json()) as { capabilities: Record<string, boolean> };
  assert.deepEqual(Object.keys(body.capabilities).sort(), ['fax', 'mms', 'sms', 'voice']);
  assert.equal(body.capabilities.sms, first!.capabilities.SMS);
  assert.equal(body.capabilities.voice, first!.capabilities.voice);
});

test('TollFree, Mobile, CA and GB searches, and the countries list', async () => {
  const tf = await c.availablePhoneNumbers('US').tollFree.list({ limit: 1000 });
  const prefixes = new Set(tf.map((n) => n.phoneNumber.slice(2, 5)));
  assert.deepEqual([...prefixes].sort(), ['800', '833', '844', '855', '866', '877', '888']);
  const tf888 = await c.availablePhoneNumbers('US').tollFree.list({ areaCode: 888, limit: 5 });
  assert.equal(tf888.length, 5);
  assert.ok(tf888.every((n) => n.phoneNumber.startsWith('+1888')));
  const tfWord = await c.availablePhoneNumbers('US').tollFree.list({ contains: '800*******', limit: 5 });
  assert.ok(tfWord.length > 0 && tfWord.every((n) => n.phoneNumber.startsWith('+1800')));

  const gbMobile = await c.availablePhoneNumbers('GB').mobile.list({ limit: 5 });
  assert.equal(gbMobile.length, 5);
  assert.ok(gbMobile.every((n) => /^\+447\d{9}$/.test(n.phoneNumber) && n.isoCountry === 'GB'));
  const gbLocal = await c.availablePhoneNumbers('GB').local.list({ inLocality: 'London', limit: 5 });
  assert.ok(gbLocal.length > 0 && gbLocal.every((n) => n.locality === 'London' && n.phoneNumber.startsWith('+44')));

  const ca = await c.availablePhoneNumbers('CA').local.list({ inRegion: 'ON', limit: 5 });
  assert.ok(ca.length > 0 && ca.every((n) => n.region === 'ON' && n.isoCountry === 'CA' && n.phoneNumber.startsWith('+1')));
  const caByAreaCode = await c.availablePhoneNumbers('CA').local.list({ areaCode: Number(ca[0]!.phoneNumber.slice(2, 5)), limit: 3 });
  assert.ok(caByAreaCode.length > 0 && caByAreaCode.every((n) => n.isoCountry === 'CA'));

  // The US has no mobile range: 404 like Twilio, not an empty 200 or a 500.
  await assert.rejects(c.availablePhoneNumbers('US').mobile.list({ limit: 1 }), (e: { status: number; code: number }) => e.status === 404 && e.code === 20404);

  const countries = await c.availablePhoneNumbers.list();
  const byCode = new Map(countries.map((x) => [x.countryCode, x]));
  assert.deepEqual([...byCode.keys()].sort(), ['CA', 'GB', 'US']);
  assert.equal(byCode.get('US')!.country, 'United States');
  assert.deepEqual(Object.keys(byCode.get('US')!.subresourceUris).sort(), ['local', 'toll_free']);
  assert.deepEqual(Object.keys(byCode.get('GB')!.subresourceUris).sort(), ['local', 'mobile']);
  const gb = await c.availablePhoneNumbers('GB').fetch();
  assert.equal(gb.country, 'United Kingdom');
  // Following the advertised URI works.
  const via = await t.fetch(byCode.get('GB')!.subresourceUris.mobile as string);
  assert.equal(via.status, 200);
});

test('bad input gets Twilio error codes, never a 500', async () => {
  const expect = async (query: string, code: number, country = 'US', type = 'Local') => {
    const r = await raw(query, country, type);
    assert.equal(r.status, 400, `${query} → ${JSON.stringify(r.body)}`);
    assert.equal(r.body.code, code, `${query} → ${JSON.stringify(r.body)}`);
    assert.deepEqual(Object.keys(r.body).sort(), ['code', 'message', 'more_info', 'status']);
  };
  await expect('AreaCode=111', 21451);
  await expect('AreaCode=41', 21451);
  await expect('AreaCode=abc', 21451);
  await expect('AreaCode=415', 21451, 'GB');
  await expect('Contains=5*5', 21421);
  await expect('Contains=5', 21421);
  await expect('Contains=55%23', 21421);
  await expect('Contains=' + '5'.repeat(17), 21421);
  await expect('NearNumber=not-a-number', 21421);
  await expect('SmsEnabled=yes', 20001);
  await expect('VoiceEnabled=1', 20001);
  await expect('MmsEnabled=maybe', 20001);
  await expect('PageSize=0', 20001);
  await expect('PageSize=ten', 20001);
  await expect('Distance=-5', 20001);
  await expect('NearLatLong=north', 20001);

  // Through the client the same errors surface as RestException with Twilio's code.
  await assert.rejects(c.availablePhoneNumbers('US').local.list({ areaCode: 111 }), (e: { status: number; code: number }) => e.status === 400 && e.code === 21451);
  await assert.rejects(c.availablePhoneNumbers('US').local.list({ contains: '4*5*5' }), (e: { status: number; code: number }) => e.status === 400 && e.code === 21421);

  // Odd but well-formed-enough requests never crash the handler.
  const odd = [
    'AreaCode=415&AreaCode=212', 'Contains=%00%01', 'InRegion=%F0%9F%98%80', `InLocality=${'x'.repeat(5000)}`,
    'NearNumber=%2B19999999999', 'Distance=99999999999999999999', 'PageSize=99999999999999999999', 'Beta=nope',
    'InRateCenter=X', 'SmsEnabled=', 'Contains=%', 'Contains=$',
  ];
  for (const q of odd) {
    const r = await raw(q);
    assert.ok(r.status < 500, `${q} → ${r.status} ${JSON.stringify(r.body)}`);
    if (r.status >= 400) assert.deepEqual(Object.keys(r.body).sort(), ['code', 'message', 'more_info', 'status'], q);
  }
  for (const path of ['ZZ/Local.json', 'US/Nope.json', 'US/Local', 'us/local.json']) {
    const r = await t.fetch(`${A}/AvailablePhoneNumbers/${path}`);
    assert.ok(r.status < 500, `${path} → ${r.status}`);
  }
});
