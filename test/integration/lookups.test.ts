// Twilio's Lookup API through the official client (lookups.twilio.com is rewritten to tandem like every Twilio host):
// v2's free formatting and validation, national input with CountryCode, Twilio's validation errors, data packages
// tandem cannot fill reported as Twilio reports them, v1's 404 for an invalid number, and credentials required.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTandem, type Tandem } from '../helpers/tandem.js';
import { rejectsWithCode } from '../helpers/twilio-client.js';

let t: Tandem;

before(async () => {
  t = await startTandem();
});
after(async () => {
  await t.cleanup();
});

test('v2 formats and validates a number given in E.164 or in a country\'s national format', async () => {
  const v2 = t.client().lookups.v2;
  const sf = await v2.phoneNumbers('+14159929960').fetch();
  assert.equal(sf.valid, true);
  assert.deepEqual(sf.validationErrors, []);
  assert.equal(sf.phoneNumber, '+14159929960');
  assert.equal(sf.nationalFormat, '(415) 992-9960');
  assert.equal(sf.countryCode, 'US');
  assert.equal(sf.callingCountryCode, '1');
  assert.equal(sf.lineTypeIntelligence, null, 'no data package unless asked for');

  const london = await v2.phoneNumbers('020 7946 0123').fetch({ countryCode: 'GB' });
  assert.equal(london.phoneNumber, '+442079460123');
  assert.equal(london.nationalFormat, '020 7946 0123');
  assert.equal(london.countryCode, 'GB');
  // Without CountryCode a national number is read as a US one, as on Twilio.
  assert.equal((await v2.phoneNumbers('(415) 992-9960').fetch()).phoneNumber, '+14159929960');
  assert.equal((await v2.phoneNumbers('+12425550100').fetch()).countryCode, 'BS');
});

test('v2 says why a number is invalid, with Twilio\'s validation errors', async () => {
  const v2 = t.client().lookups.v2;
  const cases: [string, string][] = [
    ['+1415', 'TOO_SHORT'],
    ['+141599299601234', 'TOO_LONG'],
    ['+999123456', 'INVALID_COUNTRY_CODE'],
    ['+15551234567', 'INVALID_BUT_POSSIBLE'],
    ['not-a-number', 'NOT_A_NUMBER'],
  ];
  for (const [n, why] of cases) {
    const r = await v2.phoneNumbers(n).fetch();
    assert.equal(r.valid, false, n);
    assert.deepEqual(r.validationErrors, [why], n);
    assert.equal(r.nationalFormat, null, n);
  }
  await rejectsWithCode(v2.phoneNumbers('+14159929960').fetch({ countryCode: 'XX' }), 400, 60200);
});

test('every kind of number tandem sells is valid to Lookup, in its own country, with the friendly name as national format', async () => {
  const c = t.client();
  const stock = [
    ...(await c.availablePhoneNumbers('US').local.list({ limit: 3 })),
    ...(await c.availablePhoneNumbers('US').tollFree.list({ limit: 3 })),
    ...(await c.availablePhoneNumbers('CA').local.list({ limit: 3 })),
    ...(await c.availablePhoneNumbers('GB').local.list({ limit: 3 })),
    ...(await c.availablePhoneNumbers('GB').mobile.list({ limit: 3 })),
  ];
  assert.equal(stock.length, 15);
  for (const n of stock) {
    const r = await c.lookups.v2.phoneNumbers(n.phoneNumber).fetch();
    assert.equal(r.valid, true, n.phoneNumber);
    assert.equal(r.countryCode, n.isoCountry, n.phoneNumber);
    assert.equal(r.nationalFormat, n.friendlyName, n.phoneNumber);
  }
});

test('data packages tandem has no data for come back as Twilio reports an unfilled one: error_code 60600', async () => {
  const v2 = t.client().lookups.v2;
  const r = await v2.phoneNumbers('+14159929960').fetch({ fields: 'line_type_intelligence,caller_name' });
  assert.equal(r.valid, true);
  assert.deepEqual({ ...r.lineTypeIntelligence }, { carrierName: null, mobileCountryCode: null, mobileNetworkCode: null, type: null, errorCode: 60600 });
  assert.deepEqual({ ...r.callerName }, { callerName: null, callerType: null, errorCode: 60600 });
  assert.equal(r.simSwap, null);
  await rejectsWithCode(v2.phoneNumbers('+14159929960').fetch({ fields: 'horoscope' }), 400, 60200);
});

test('v1 answers a valid number (with carrier and caller name asked for) and 404s an invalid one', async () => {
  const v1 = t.client().lookups.v1;
  const r = await v1.phoneNumbers('+4915112345678').fetch({ type: ['carrier', 'caller-name'] });
  assert.equal(r.phoneNumber, '+4915112345678');
  assert.equal(r.countryCode, 'DE');
  assert.equal(r.nationalFormat, '01511 2345678');
  assert.equal((r.carrier as { error_code: number }).error_code, 60600);
  assert.equal((r.callerName as { error_code: number }).error_code, 60600);
  assert.equal((await v1.phoneNumbers('4159929960').fetch()).phoneNumber, '+14159929960');
  await rejectsWithCode(v1.phoneNumbers('+15551234567').fetch(), 404, 20404);
});

test('Lookup needs the account\'s credentials', async () => {
  const r = await t.fetch('/v2/PhoneNumbers/+14159929960', { auth: null });
  assert.equal(r.status, 401);
  assert.equal(((await r.json()) as { code: number }).code, 20003);
  const wrong = await t.fetch('/v2/PhoneNumbers/+14159929960', { auth: [t.accountSid, 'not-the-token'] });
  assert.equal(wrong.status, 401);
});
