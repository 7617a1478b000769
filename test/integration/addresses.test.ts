// Addresses through the official client: the end-user addresses an account keeps, and the rule Twilio applies when
// a number's regulator wants one (address_requirements): buying or moving such a number takes an AddressSid that
// meets it (any / local / foreign), else 21631; an address numbers depend on cannot be deleted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTandem, type Tandem } from '../helpers/tandem.js';
import { rejectsWithCode } from '../helpers/twilio-client.js';
import { resourceSchema, responseSchema, shapeProblems } from '../helpers/spec-schema.js';

let t: Tandem;

before(async () => {
  t = await startTandem();
});
after(async () => {
  await t.cleanup();
});

const london = { customerName: 'Acme Ltd', street: '1 High Street', city: 'London', region: 'London', postalCode: 'EC1A 1BB', isoCountry: 'GB' };
const boston = { customerName: 'Acme Inc', street: '1 Main Street', city: 'Boston', region: 'MA', postalCode: '02108', isoCountry: 'US' };

test('addresses: create, fetch, update, list with filters and delete, in Twilio\'s shape', async () => {
  const c = t.client();
  const a = await c.addresses.create({ ...london, friendlyName: 'HQ' });
  assert.match(a.sid, /^AD[0-9a-f]{32}$/);
  assert.equal(a.customerName, 'Acme Ltd');
  assert.equal(a.isoCountry, 'GB');
  assert.equal(a.friendlyName, 'HQ');
  const raw = await (await t.fetch(`/2010-04-01/Accounts/${t.accountSid}/Addresses/${a.sid}.json`)).json();
  assert.deepEqual(shapeProblems(raw, resourceSchema('address')), []);
  assert.equal((await c.addresses(a.sid).update({ street: '2 High Street' })).street, '2 High Street');
  assert.equal((await c.addresses(a.sid).fetch()).street, '2 High Street');
  const us = await c.addresses.create(boston);
  assert.deepEqual((await c.addresses.list({ isoCountry: 'US' })).map((x) => x.sid), [us.sid]);
  assert.deepEqual((await c.addresses.list({ customerName: 'Acme Ltd' })).map((x) => x.sid), [a.sid]);
  const page = await (await t.fetch(`/2010-04-01/Accounts/${t.accountSid}/Addresses.json`)).json();
  assert.deepEqual(shapeProblems(page, responseSchema('/2010-04-01/Accounts/{AccountSid}/Addresses.json')), []);

  await rejectsWithCode(c.addresses.create({ ...london, street: '' }), 400, 21000);
  await rejectsWithCode(c.addresses.create({ ...london, isoCountry: 'XX' }), 400, 21000);
  await c.addresses(us.sid).remove();
  await rejectsWithCode(c.addresses(us.sid).fetch(), 404, 20404);
  // Another account's address is not there.
  const sub = await c.api.v2010.accounts.create({ friendlyName: 'elsewhere' });
  await rejectsWithCode(t.client(sub.sid, sub.authToken).addresses(a.sid).fetch(), 404, 20404);
});

test('a number whose regulator wants an address is bought with one that meets it, else 21631', async () => {
  const c = t.client();
  const gbAddress = await c.addresses.create(london);
  const usAddress = await c.addresses.create(boston);
  const local = (await c.availablePhoneNumbers('GB').local.list({ limit: 50 })).find((n) => n.addressRequirements === 'local');
  assert.ok(local, 'a GB number that needs a local address');
  await rejectsWithCode(c.incomingPhoneNumbers.create({ phoneNumber: local.phoneNumber }), 400, 21631);
  await rejectsWithCode(c.incomingPhoneNumbers.create({ phoneNumber: local.phoneNumber, addressSid: usAddress.sid }), 400, 21631);
  const sub = await c.api.v2010.accounts.create({ friendlyName: 'theirs' });
  const theirs = await t.client(sub.sid, sub.authToken).addresses.create(london);
  await rejectsWithCode(c.incomingPhoneNumbers.create({ phoneNumber: local.phoneNumber, addressSid: theirs.sid }), 400, 21631);
  const bought = await c.incomingPhoneNumbers.create({ phoneNumber: local.phoneNumber, addressSid: gbAddress.sid });
  assert.equal(bought.addressSid, gbAddress.sid);
  assert.equal(bought.addressRequirements, 'local');

  // `any` takes an address from anywhere; a number that needs none takes none.
  const mobile = (await c.availablePhoneNumbers('GB').mobile.list({ limit: 1 }))[0]!;
  assert.equal(mobile.addressRequirements, 'any');
  assert.equal((await c.incomingPhoneNumbers.create({ phoneNumber: mobile.phoneNumber, addressSid: usAddress.sid })).addressSid, usAddress.sid);
  const us = (await c.availablePhoneNumbers('US').local.list({ limit: 1 }))[0]!;
  assert.equal(us.addressRequirements, 'none');
  assert.equal((await c.incomingPhoneNumbers.create({ phoneNumber: us.phoneNumber })).addressSid, null);

  // The address cannot be taken away while the number needs it, nor deleted while a number depends on it.
  await rejectsWithCode(c.incomingPhoneNumbers(bought.sid).update({ addressSid: '' }), 400, 21631);
  await rejectsWithCode(c.incomingPhoneNumbers(bought.sid).update({ addressSid: usAddress.sid }), 400, 21631);
  const dependents = await c.addresses(gbAddress.sid).dependentPhoneNumbers.list();
  assert.deepEqual(dependents.map((n) => n.phoneNumber), [local.phoneNumber]);
  const raw = await (await t.fetch(`/2010-04-01/Accounts/${t.accountSid}/Addresses/${gbAddress.sid}/DependentPhoneNumbers.json`)).json();
  assert.deepEqual(shapeProblems(raw, responseSchema('/2010-04-01/Accounts/{AccountSid}/Addresses/{AddressSid}/DependentPhoneNumbers.json')), []);
  await rejectsWithCode(c.addresses(gbAddress.sid).remove(), 400, 21000);
  await c.incomingPhoneNumbers(bought.sid).remove();
  assert.deepEqual(await c.addresses(gbAddress.sid).dependentPhoneNumbers.list(), []);
  await c.addresses(gbAddress.sid).remove();
});
