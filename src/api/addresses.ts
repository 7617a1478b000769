// /2010-04-01/Accounts/{AccountSid}/Addresses: the end users' addresses that numbers with address requirements
// need (src/numbers/addresses.ts), and each address's DependentPhoneNumbers.
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from './deps.js';
import type { AddressRecord, NumberRecord } from '../store/records.js';
import type { AddressFields } from '../numbers/addresses.js';
import { callingCodeOf } from '../numbers/geo.js';
import { rfc2822 } from '../util/time.js';
import { badRequest, notFound } from './errors.js';
import { bool, str, type RawParams } from './params.js';
import { pageEnvelope, pageOfList, parsePageRequest, scanPage } from './paging.js';

function addressJson(a: AddressRecord): Record<string, unknown> {
  return {
    account_sid: a.accountSid,
    city: a.city,
    customer_name: a.customerName,
    date_created: rfc2822(a.dateCreated),
    date_updated: rfc2822(a.dateUpdated),
    friendly_name: a.friendlyName,
    iso_country: a.isoCountry,
    postal_code: a.postalCode,
    region: a.region,
    sid: a.sid,
    street: a.street,
    street_secondary: a.streetSecondary,
    uri: `/2010-04-01/Accounts/${a.accountSid}/Addresses/${a.sid}.json`,
    emergency_enabled: a.emergencyEnabled,
    // Taken as given: tandem checks the address against nothing, so it is neither corrected nor verified.
    validated: true,
    verified: false,
  };
}

function dependentJson(n: NumberRecord): Record<string, unknown> {
  return {
    sid: n.sid,
    account_sid: n.accountSid,
    friendly_name: n.friendlyName,
    phone_number: n.phoneNumber,
    voice_url: n.voiceUrl,
    voice_method: n.voiceMethod,
    voice_fallback_method: n.voiceFallbackMethod,
    voice_fallback_url: n.voiceFallbackUrl,
    voice_caller_id_lookup: n.voiceCallerIdLookup,
    date_created: rfc2822(n.dateCreated),
    date_updated: rfc2822(n.dateUpdated),
    sms_fallback_method: n.smsFallbackMethod,
    sms_fallback_url: n.smsFallbackUrl,
    sms_method: n.smsMethod,
    sms_url: n.smsUrl,
    address_requirements: n.addressRequirements,
    capabilities: { ...n.capabilities },
    status_callback: n.statusCallback,
    status_callback_method: n.statusCallbackMethod,
    api_version: '2010-04-01',
    sms_application_sid: n.smsApplicationSid ?? null,
    voice_application_sid: n.voiceApplicationSid ?? null,
    trunk_sid: null,
    emergency_status: 'Inactive',
    emergency_address_sid: null,
    uri: `/2010-04-01/Accounts/${n.accountSid}/IncomingPhoneNumbers/${n.sid}.json`,
  };
}

const TEXT_FIELDS = [
  ['CustomerName', 'customerName'],
  ['Street', 'street'],
  ['City', 'city'],
  ['Region', 'region'],
  ['PostalCode', 'postalCode'],
] as const;

/** The address fields a form gives; on create the five of TEXT_FIELDS and IsoCountry are required. */
function parseFields(p: RawParams, create: boolean): Partial<AddressFields> {
  const f: Partial<AddressFields> = {};
  for (const [param, key] of TEXT_FIELDS) {
    const v = str(p, param);
    if (v === undefined || v === '') {
      if (create) throw badRequest(21000, `${param} is required.`);
      continue;
    }
    if (v.length > 255) throw badRequest(21000, `${param} must be at most 255 characters.`);
    f[key] = v;
  }
  if (create) {
    const iso = str(p, 'IsoCountry') ?? '';
    if (callingCodeOf(iso) === undefined) throw badRequest(21000, `IsoCountry '${iso}' is not an ISO 3166-1 alpha-2 country code.`);
    f.isoCountry = iso;
  }
  const friendly = str(p, 'FriendlyName');
  if (friendly !== undefined) f.friendlyName = friendly === '' ? null : friendly.slice(0, 64);
  const secondary = str(p, 'StreetSecondary');
  if (secondary !== undefined) f.streetSecondary = secondary === '' ? null : secondary;
  const emergency = bool(p, 'EmergencyEnabled');
  if (emergency !== undefined) f.emergencyEnabled = emergency;
  // AutoCorrectAddress: tandem corrects nothing; accepted and ignored.
  bool(p, 'AutoCorrectAddress');
  return f;
}

export function registerAddressRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const addresses = deps.addresses;
  const base = '/2010-04-01/Accounts/:AccountSid/Addresses';
  const load = (accountSid: string, sid: string): AddressRecord => {
    const a = addresses.get(accountSid, sid);
    if (!a) throw notFound(`The requested resource /2010-04-01/Accounts/${accountSid}/Addresses/${sid}.json was not found`);
    return a;
  };

  app.post(`${base}.json`, async (req, reply) => {
    const f = parseFields((req.body ?? {}) as RawParams, true);
    const a = await addresses.create(req.account.sid, { friendlyName: null, streetSecondary: null, emergencyEnabled: false, ...f } as AddressFields);
    reply.code(201);
    return addressJson(a);
  });

  app.get(`${base}.json`, async (req) => {
    const q = req.query as RawParams;
    const page = parsePageRequest(q);
    const customerName = str(q, 'CustomerName');
    const friendlyName = str(q, 'FriendlyName');
    const isoCountry = str(q, 'IsoCountry');
    const emergency = bool(q, 'EmergencyEnabled');
    const accept = (a: AddressRecord) =>
      (customerName === undefined || a.customerName === customerName) &&
      (friendlyName === undefined || a.friendlyName === friendlyName) &&
      (isoCountry === undefined || a.isoCountry === isoCountry) &&
      (emergency === undefined || a.emergencyEnabled === emergency);
    const sid = req.account.sid;
    const { records, nextAfter } = scanPage(deps.tables.addressesByAccount, [sid, 0, ''], [sid, Number.MAX_SAFE_INTEGER, ''], page, (id) => deps.tables.addresses.get(id), accept);
    const filters: Record<string, string> = {};
    for (const [k, v] of [['CustomerName', customerName], ['FriendlyName', friendlyName], ['IsoCountry', isoCountry]] as const) if (v !== undefined) filters[k] = v;
    return pageEnvelope('addresses', `/2010-04-01/Accounts/${sid}/Addresses.json`, filters, page, records.map(addressJson), nextAfter);
  });

  app.get(`${base}/:Sid.json`, async (req) => addressJson(load(req.account.sid, (req.params as { Sid: string }).Sid)));

  app.post(`${base}/:Sid.json`, async (req) => {
    const a = load(req.account.sid, (req.params as { Sid: string }).Sid);
    return addressJson(await addresses.update(a, parseFields((req.body ?? {}) as RawParams, false)));
  });

  app.delete(`${base}/:Sid.json`, async (req, reply) => {
    await addresses.remove(load(req.account.sid, (req.params as { Sid: string }).Sid));
    reply.code(204);
    return null;
  });

  app.get(`${base}/:Sid/DependentPhoneNumbers.json`, async (req) => {
    const a = load(req.account.sid, (req.params as { Sid: string }).Sid);
    const page = parsePageRequest(req.query as RawParams);
    // A handful per address, in the account's order, paged like any list.
    const { records, nextAfter } = pageOfList(addresses.dependents(a), page, (n) => n.sid);
    return pageEnvelope('dependent_phone_numbers', `/2010-04-01/Accounts/${a.accountSid}/Addresses/${a.sid}/DependentPhoneNumbers.json`, {}, page, records.map(dependentJson), nextAfter);
  });
}
