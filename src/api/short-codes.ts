// /2010-04-01/Accounts/{AccountSid}/SMS/ShortCodes: the account's short codes (SC…). Twilio leases them through an
// application, not the API, so its resource has list, fetch and update only; tandem adds create and delete (the
// operator enters the short codes their carrier leased). A short code sends and receives like a number: its own
// queue paced at 100 segments/s, its SmsUrl for what it is sent (src/numbers/short-code.ts).
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from './deps.js';
import type { NumberRecord } from '../store/records.js';
import { checkFallbacks } from '../numbers/numbers.js';
import { isShortCode } from '../numbers/short-code.js';
import { callingCodeOf } from '../numbers/geo.js';
import { rfc2822 } from '../util/time.js';
import { badRequest } from './errors.js';
import { parseSettings, registerOwnedNumberRoutes } from './incoming-numbers.js';
import { partialNumberPattern, str, type RawParams } from './params.js';
import { pageEnvelope, parsePageRequest, scanPage } from './paging.js';

export function shortCodeJson(n: NumberRecord): Record<string, unknown> {
  return {
    account_sid: n.accountSid,
    api_version: '2010-04-01',
    date_created: rfc2822(n.dateCreated),
    date_updated: rfc2822(n.dateUpdated),
    friendly_name: n.friendlyName,
    short_code: n.phoneNumber,
    sid: n.sid,
    sms_fallback_method: n.smsFallbackMethod,
    sms_fallback_url: n.smsFallbackUrl,
    sms_method: n.smsMethod,
    sms_url: n.smsUrl,
    uri: `/2010-04-01/Accounts/${n.accountSid}/SMS/ShortCodes/${n.sid}.json`,
    // tandem extensions, as on numbers: its country, and the pace it sends at when overridden.
    iso_country: n.isoCountry,
    send_rate: n.rateOverride,
  };
}

export function registerShortCodeRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const numbers = deps.numbers;
  const base = '/2010-04-01/Accounts/:AccountSid/SMS/ShortCodes';

  app.get(`${base}.json`, async (req) => {
    const q = req.query as RawParams;
    const page = parsePageRequest(q);
    const friendlyName = str(q, 'FriendlyName');
    const codeFilter = str(q, 'ShortCode');
    const codeRe = codeFilter ? partialNumberPattern(codeFilter) : undefined;
    const accept = (n: NumberRecord) =>
      n.numberType === 'shortCode' && (friendlyName === undefined || n.friendlyName === friendlyName) && (codeRe === undefined || codeRe.test(n.phoneNumber));
    const sid = req.account.sid;
    const { records, nextAfter } = scanPage(deps.tables.numbersByAccount, [sid, 0, ''], [sid, Number.MAX_SAFE_INTEGER, ''], page, (id) => numbers.get(id), accept);
    const filters: Record<string, string> = {};
    if (friendlyName !== undefined) filters.FriendlyName = friendlyName;
    if (codeFilter !== undefined) filters.ShortCode = codeFilter;
    return pageEnvelope('short_codes', `/2010-04-01/Accounts/${sid}/SMS/ShortCodes.json`, filters, page, records.map(shortCodeJson), nextAfter);
  });

  // tandem extension: ShortCode (3 to 8 digits), IsoCountry (default US), and the settings an update takes.
  app.post(`${base}.json`, async (req, reply) => {
    const p = (req.body ?? {}) as RawParams;
    const code = str(p, 'ShortCode') ?? '';
    if (!isShortCode(code)) throw badRequest(21000, `ShortCode '${code}' is not a short code: 3 to 8 digits, with no country prefix.`);
    const iso = str(p, 'IsoCountry') || 'US';
    if (callingCodeOf(iso) === undefined) throw badRequest(21000, `IsoCountry '${iso}' is not an ISO 3166-1 alpha-2 country code.`);
    const settings = parseSettings(p, deps.applications, req.account.sid, 'shortCode');
    checkFallbacks({ voiceUrl: null, voiceFallbackUrl: null, smsUrl: settings.smsUrl ?? null, smsFallbackUrl: settings.smsFallbackUrl ?? null });
    const added = await numbers.addShortCode(req.account, code, iso, settings);
    if (!added) throw badRequest(21422, `ShortCode ${code} is not available: an account has it already.`);
    reply.code(201);
    return shortCodeJson(added);
  });

  // tandem extension beside Twilio's fetch and update: delete, the short code going back to its carrier.
  registerOwnedNumberRoutes(app, deps, { base, resource: 'SMS/ShortCodes', kind: 'shortCode', json: shortCodeJson });
}
