import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { numberTypeOfPath, parseSearchQuery } from '../../src/inventory/index.js';

function ok(raw: Record<string, string | string[]>, country = 'US') {
  const r = parseSearchQuery(country, 'local', raw);
  assert.ok(r.ok, JSON.stringify(r));
  return r.query;
}

function err(raw: Record<string, string>, country = 'US'): number {
  const r = parseSearchQuery(country, 'local', raw);
  assert.ok(!r.ok, `expected ${JSON.stringify(raw)} to be rejected`);
  return r.code;
}

describe('AvailablePhoneNumbers query parameters', () => {
  test("Twilio's PascalCase parameters map onto the query", () => {
    const q = ok({
      AreaCode: '415', Contains: 'STORE', InRegion: 'CA', InLocality: 'San Francisco', InPostalCode: '94110',
      InRateCenter: 'SNFC CNTRL', InLata: '722', NearLatLong: '37.77,-122.41', Distance: '10',
      SmsEnabled: 'true', VoiceEnabled: 'True', MmsEnabled: 'false', FaxEnabled: 'false', PageSize: '5',
      ExcludeAllAddressRequired: 'true', Beta: 'false',
    }, 'us');
    assert.deepEqual(q, {
      country: 'US', type: 'local', pageSize: 5, areaCode: '415', contains: 'STORE', inRegion: 'CA',
      inLocality: 'San Francisco', inPostalCode: '94110', inRateCenter: 'SNFC CNTRL', inLata: '722',
      nearLatLong: '37.77,-122.41', distance: 10, smsEnabled: true, voiceEnabled: true, mmsEnabled: false,
      faxEnabled: false, excludeAllAddressRequired: true,
    });
  });

  test('PageSize defaults to 30 and is clamped to 1000; Distance to 500', () => {
    assert.equal(ok({}).pageSize, 30);
    assert.equal(ok({ PageSize: '5000' }).pageSize, 1000);
    assert.equal(ok({ NearNumber: '+14155550100', Distance: '900' }).distance, 500);
  });

  test('repeated keys take the first value; empty values count as absent', () => {
    assert.equal(ok({ AreaCode: ['212', '415'] }).areaCode, '212');
    assert.equal(ok({ AreaCode: '' }).areaCode, undefined);
  });

  test('a bad area code is 21451, also outside the NANP', () => {
    assert.equal(err({ AreaCode: '41' }), 21451);
    assert.equal(err({ AreaCode: '115' }), 21451);
    assert.equal(err({ AreaCode: 'abc' }), 21451);
    assert.equal(err({ AreaCode: '020' }, 'GB'), 21451);
  });

  test('a bad Contains pattern or NearNumber is 21421', () => {
    assert.equal(err({ Contains: '5*5' }), 21421);
    assert.equal(err({ Contains: '5' }), 21421);
    assert.equal(err({ NearNumber: 'nearby' }), 21421);
  });

  test('other malformed values are 20001', () => {
    assert.equal(err({ SmsEnabled: 'yes' }), 20001);
    assert.equal(err({ PageSize: '0' }), 20001);
    assert.equal(err({ PageSize: 'ten' }), 20001);
    assert.equal(err({ Distance: '-3' }), 20001);
    assert.equal(err({ NearLatLong: '91,0' }), 20001);
    assert.equal(err({ NearLatLong: 'here' }), 20001);
    assert.equal(err({ InRateCenter: 'SEATTLE' }), 20001, 'InRateCenter needs InLata');
    assert.equal(err({ Beta: 'maybe' }), 20001);
  });

  test('URL segments name the number types', () => {
    assert.equal(numberTypeOfPath('Local'), 'local');
    assert.equal(numberTypeOfPath('TollFree.json'), 'tollFree');
    assert.equal(numberTypeOfPath('Mobile'), 'mobile');
    assert.equal(numberTypeOfPath('SharedCost'), undefined);
  });
});
