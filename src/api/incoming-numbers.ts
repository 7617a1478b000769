// /2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers: buy, list, fetch, configure and release numbers.
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from './deps.js';
import type { AccountRecord, NumberRecord } from '../store/records.js';
import type { NumberSettings } from '../numbers/numbers.js';
import { checkFallbacks } from '../numbers/numbers.js';
import { rfc2822 } from '../util/time.js';
import { badRequest, notFound } from './errors.js';
import { bool, normalizePhoneNumber, partialNumberPattern, readWebhooks, str, type RawParams } from './params.js';
import { pageEnvelope, parsePageRequest, scanPage } from './paging.js';
import { applicationParam } from './applications.js';
import type { Applications } from '../applications/applications.js';

const TYPE_SEGMENTS = { Local: 'local', TollFree: 'tollFree', Mobile: 'mobile' } as const;
const TYPE_JSON = { local: 'local', tollFree: 'tollfree', mobile: 'mobile', shortCode: 'shortcode' } as const;

export function incomingNumberJson(n: NumberRecord): Record<string, unknown> {
  const uri = `/2010-04-01/Accounts/${n.accountSid}/IncomingPhoneNumbers/${n.sid}.json`;
  return {
    account_sid: n.accountSid,
    address_requirements: n.addressRequirements,
    address_sid: n.addressSid ?? null,
    api_version: '2010-04-01',
    beta: false,
    bundle_sid: null,
    capabilities: { ...n.capabilities },
    date_created: rfc2822(n.dateCreated),
    date_updated: rfc2822(n.dateUpdated),
    emergency_address_sid: null,
    emergency_address_status: 'unregistered',
    emergency_status: 'Inactive',
    friendly_name: n.friendlyName,
    identity_sid: null,
    origin: 'twilio',
    phone_number: n.phoneNumber,
    sid: n.sid,
    sms_application_sid: n.smsApplicationSid ?? null,
    sms_fallback_method: n.smsFallbackMethod,
    sms_fallback_url: n.smsFallbackUrl,
    sms_method: n.smsMethod,
    sms_url: n.smsUrl,
    status: 'in-use',
    status_callback: n.statusCallback,
    status_callback_method: n.statusCallbackMethod,
    trunk_sid: null,
    type: TYPE_JSON[n.numberType],
    uri,
    voice_application_sid: n.voiceApplicationSid ?? null,
    voice_caller_id_lookup: n.voiceCallerIdLookup,
    voice_fallback_method: n.voiceFallbackMethod,
    voice_fallback_url: n.voiceFallbackUrl,
    voice_method: n.voiceMethod,
    voice_receive_mode: 'voice',
    voice_url: n.voiceUrl,
    // tandem extensions (ignored by Twilio clients): the sender class and the pace it sends at.
    sender_class: n.senderClass,
    send_rate: n.rateOverride,
  };
}

/** A number's settings as its form gives them; a short code (SMS only) takes FriendlyName, the Sms… four and TandemSendRate. */
export function parseSettings(p: RawParams, apps: Applications, accountSid: string, kind: 'number' | 'shortCode' = 'number'): NumberSettings {
  const s: NumberSettings = {};
  const fn = str(p, 'FriendlyName');
  if (fn !== undefined) {
    if (fn.length > 64) throw badRequest(21000, 'FriendlyName must be at most 64 characters.');
    s.friendlyName = fn;
  }
  const urls = [
    ['SmsUrl', 'smsUrl'],
    ['SmsFallbackUrl', 'smsFallbackUrl'],
    ['VoiceUrl', 'voiceUrl'],
    ['VoiceFallbackUrl', 'voiceFallbackUrl'],
    ['StatusCallback', 'statusCallback'],
  ] as const;
  const methods = [
    ['SmsMethod', 'smsMethod'],
    ['SmsFallbackMethod', 'smsFallbackMethod'],
    ['VoiceMethod', 'voiceMethod'],
    ['VoiceFallbackMethod', 'voiceFallbackMethod'],
    ['StatusCallbackMethod', 'statusCallbackMethod'],
  ] as const;
  if (kind === 'shortCode') readWebhooks(p, s, urls.slice(0, 2), methods.slice(0, 2));
  else {
    readWebhooks(p, s, urls, methods);
    const lookup = bool(p, 'VoiceCallerIdLookup');
    if (lookup !== undefined) s.voiceCallerIdLookup = lookup;
    const smsApp = applicationParam(p, 'SmsApplicationSid', apps, accountSid);
    if (smsApp !== undefined) s.smsApplicationSid = smsApp?.sid ?? null;
    const voiceApp = applicationParam(p, 'VoiceApplicationSid', apps, accountSid);
    if (voiceApp !== undefined) s.voiceApplicationSid = voiceApp?.sid ?? null;
  }
  const rate = str(p, 'TandemSendRate');
  if (rate !== undefined) {
    if (rate === '') s.rateOverride = null;
    else {
      const r = Number(rate);
      if (!Number.isFinite(r) || r <= 0 || r > 10_000) throw badRequest(21000, 'TandemSendRate must be segments per second, above 0 and at most 10000.');
      s.rateOverride = r;
    }
  }
  return s;
}

export function registerIncomingNumberRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const numbers = deps.numbers;
  const base = '/2010-04-01/Accounts/:AccountSid/IncomingPhoneNumbers';

  const create = async (p: RawParams, account: import('../store/records.js').AccountRecord, type?: NumberRecord['numberType']) => {
    const phoneRaw = str(p, 'PhoneNumber');
    const areaCode = str(p, 'AreaCode');
    if ((phoneRaw === undefined || phoneRaw === '') === (areaCode === undefined || areaCode === '')) {
      throw badRequest(21000, 'Exactly one of PhoneNumber or AreaCode is required.');
    }
    const settings = parseSettings(p, deps.applications, account.sid);
    checkFallbacks({
      voiceUrl: settings.voiceUrl ?? null,
      voiceFallbackUrl: settings.voiceFallbackUrl ?? null,
      smsUrl: settings.smsUrl ?? null,
      smsFallbackUrl: settings.smsFallbackUrl ?? null,
    });
    const addressSid = str(p, 'AddressSid');
    if (phoneRaw) {
      const e164 = normalizePhoneNumber(phoneRaw);
      if (!e164) throw badRequest(21421, `PhoneNumber ${phoneRaw} is invalid.`);
      const available = deps.inventory.get(e164);
      if (type && available && available.type !== type) throw badRequest(21422, `PhoneNumber ${e164} is not a ${type} number.`);
      // Not available: the buy answers 21422 below.
      if (available) settings.addressSid = deps.addresses.forNumber(account.sid, addressSid, available.address_requirements, available.iso_country, e164);
      return numbers.buy(account, { phoneNumber: e164 }, settings);
    }
    // Same rule as the search: a NANP area code starts with 2-9, so 111 is invalid (21451), not merely empty (21452).
    if (!/^[2-9]\d\d$/.test(areaCode!)) throw badRequest(21451, `Invalid area code ${areaCode}.`);
    // North American stock needs no address; one given must still be the account's.
    settings.addressSid = deps.addresses.forNumber(account.sid, addressSid, 'none', 'US', `a number in ${areaCode}`);
    return numbers.buy(account, { areaCode: areaCode!, type }, settings);
  };

  const list = (type?: NumberRecord['numberType']) => async (req: import('fastify').FastifyRequest) => {
    const q = req.query as RawParams;
    const page = parsePageRequest(q);
    const friendlyName = str(q, 'FriendlyName');
    const phoneFilter = str(q, 'PhoneNumber');
    const phoneRe = phoneFilter ? partialNumberPattern(phoneFilter) : undefined;
    // Every number here is what the resource shows: not beta, origin `twilio` (none is hosted elsewhere).
    const beta = bool(q, 'Beta');
    const origin = str(q, 'Origin');
    const none = beta === true || (origin !== undefined && origin !== '' && origin !== 'twilio');
    // Short codes have a list of their own (src/api/short-codes.ts), as on Twilio.
    const accept = (n: NumberRecord) =>
      !none &&
      n.numberType !== 'shortCode' &&
      (type === undefined || n.numberType === type) &&
      (friendlyName === undefined || n.friendlyName === friendlyName) &&
      (phoneRe === undefined || phoneRe.test(n.phoneNumber));
    const sid = req.account.sid;
    const { records, nextAfter } = scanPage(deps.tables.numbersByAccount, [sid, 0, ''], [sid, Number.MAX_SAFE_INTEGER, ''], page, (id) => numbers.get(id), accept);
    const filters: Record<string, string> = {};
    if (friendlyName !== undefined) filters.FriendlyName = friendlyName;
    if (phoneFilter !== undefined) filters.PhoneNumber = phoneFilter;
    if (beta !== undefined) filters.Beta = String(beta);
    if (origin !== undefined) filters.Origin = origin;
    const path = req.url.split('?')[0]!;
    return pageEnvelope('incoming_phone_numbers', path, filters, page, records.map(incomingNumberJson), nextAfter);
  };

  app.get(`${base}.json`, list());
  app.post(`${base}.json`, async (req, reply) => {
    const n = await create((req.body ?? {}) as RawParams, req.account);
    reply.code(201);
    return incomingNumberJson(n);
  });
  for (const [segment, type] of Object.entries(TYPE_SEGMENTS)) {
    app.get(`${base}/${segment}.json`, list(type));
    app.post(`${base}/${segment}.json`, async (req, reply) => {
      const n = await create((req.body ?? {}) as RawParams, req.account, type);
      reply.code(201);
      return incomingNumberJson(n);
    });
  }

  registerOwnedNumberRoutes(app, deps, { base, resource: 'IncomingPhoneNumbers', kind: 'number', json: incomingNumberJson });
}

/**
 * Fetch, update and release of one of the account's senders at `{base}/{Sid}.json`: a number (IncomingPhoneNumbers)
 * or a short code (SMS/ShortCodes). Each resource sees its own kind only; the other's SID is 20404 there.
 */
export function registerOwnedNumberRoutes(
  app: FastifyInstance,
  deps: ApiDeps,
  o: { base: string; resource: string; kind: 'number' | 'shortCode'; json: (n: NumberRecord) => Record<string, unknown> },
): void {
  const numbers = deps.numbers;
  const gone = (accountSid: string, sid: string) => notFound(`The requested resource /2010-04-01/Accounts/${accountSid}/${o.resource}/${sid}.json was not found`);
  const load = (accountSid: string, sid: string): NumberRecord => {
    const n = numbers.get(sid);
    if (!n || n.accountSid !== accountSid || (n.numberType === 'shortCode') !== (o.kind === 'shortCode')) throw gone(accountSid, sid);
    return n;
  };
  app.get(`${o.base}/:Sid.json`, async (req) => o.json(load(req.account.sid, (req.params as { Sid: string }).Sid)));
  app.post(`${o.base}/:Sid.json`, async (req) => {
    const sid = (req.params as { Sid: string }).Sid;
    const n = load(req.account.sid, sid);
    const p = (req.body ?? {}) as RawParams;
    const settings = parseSettings(p, deps.applications, n.accountSid, o.kind);
    const owner = o.kind === 'number' ? transferTarget(deps, req.principal, n, str(p, 'AccountSid')) : n.accountSid;
    const addressSid = str(p, 'AddressSid');
    // Moved, the number needs an address of its new account (when it needs one at all).
    if ((addressSid !== undefined || owner !== n.accountSid) && o.kind === 'number') {
      settings.addressSid = deps.addresses.forNumber(owner, addressSid || null, n.addressRequirements, n.isoCountry, n.phoneNumber);
    }
    if (owner !== n.accountSid) settings.accountSid = owner;
    const updated = await numbers.update(n, settings);
    // Its Messaging Service was the old account's.
    if (updated && owner !== n.accountSid) await deps.services.dropNumber(n.sid);
    // Released between the load and the write: gone, as it would be a moment later.
    if (!updated) throw gone(req.account.sid, sid);
    return o.json(updated);
  });
  app.delete(`${o.base}/:Sid.json`, async (req, reply) => {
    const sid = (req.params as { Sid: string }).Sid;
    const n = load(req.account.sid, sid);
    if (!(await numbers.release(n))) throw gone(req.account.sid, sid);
    // A released number (or short code, back to its carrier) leaves its Messaging Service too, as on Twilio.
    await deps.services.dropNumber(n.sid);
    reply.code(204);
    return null;
  });
}

/**
 * The account a number update leaves it with: its own, or (AccountSid) another the caller's credentials may act
 * for, which is how Twilio moves numbers between a main account and its subaccounts.
 */
function transferTarget(deps: ApiDeps, principal: AccountRecord, n: NumberRecord, accountSid: string | undefined): string {
  if (accountSid === undefined || accountSid === '' || accountSid === n.accountSid) return n.accountSid;
  const target = deps.accounts.get(accountSid);
  if (!target || !deps.accounts.canAct(principal, target) || target.status !== 'active') {
    throw badRequest(21000, `AccountSid ${accountSid} is not an active account these credentials may move numbers to: the main account or one of its subaccounts.`);
  }
  return target.sid;
}
