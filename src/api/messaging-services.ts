// /v1/Services (Twilio's Messaging v1 API, messaging.twilio.com): Messaging Services and their sender pools
// (src/messaging/services.ts). The account is the caller's own, as the v1 paths name none; v1 resources show
// ISO 8601 dates and page with a `meta` envelope.
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from './deps.js';
import type { AlphaSenderRecord, DestinationAlphaSenderRecord, MessagingServiceRecord, NumberRecord } from '../store/records.js';
import { isAlphaSender } from '../messaging/alpha-sender.js';
import { callingCodeOf } from '../numbers/geo.js';
import type { ServiceSender, ServiceSettings } from '../messaging/services.js';
import { badRequest, notFound } from './errors.js';
import { bool, intParam, readWebhooks, str, type RawParams } from './params.js';
import { isoSeconds } from '../util/time.js';
import { pageEnvelopeV1, pageOfList, parsePageRequest, scanPage } from './paging.js';


export function serviceJson(s: MessagingServiceRecord, base: string): Record<string, unknown> {
  const self = `${base}/v1/Services/${s.sid}`;
  return {
    account_sid: s.accountSid,
    sid: s.sid,
    friendly_name: s.friendlyName,
    date_created: isoSeconds(s.dateCreated),
    date_updated: isoSeconds(s.dateUpdated),
    inbound_request_url: s.inboundRequestUrl,
    inbound_method: s.inboundMethod,
    fallback_url: s.fallbackUrl,
    fallback_method: s.fallbackMethod,
    status_callback: s.statusCallback,
    sticky_sender: s.stickySender,
    smart_encoding: s.smartEncoding ?? false,
    // What tandem does not do, reported as Twilio's defaults would be and acted on as off: no MMS, no geomatch.
    mms_converter: false,
    scan_message_content: 'inherit',
    fallback_to_long_code: false,
    area_code_geomatch: false,
    synchronous_validation: false,
    validity_period: s.validityPeriod,
    url: self,
    links: { phone_numbers: `${self}/PhoneNumbers`, short_codes: `${self}/ShortCodes`, alpha_senders: `${self}/AlphaSenders`, destination_alpha_senders: `${self}/DestinationAlphaSenders` },
    usecase: 'undeclared',
    us_app_to_person_registered: false,
    use_inbound_webhook_on_number: s.useInboundWebhookOnNumber,
  };
}

/** A service's pool holds numbers (PhoneNumbers, PN…) and short codes (ShortCodes, SC…), each under its own resource. */
const SENDER_KINDS = [
  { resource: 'PhoneNumbers', key: 'phone_numbers', param: 'PhoneNumberSid', field: 'phone_number', shortCode: false },
  { resource: 'ShortCodes', key: 'short_codes', param: 'ShortCodeSid', field: 'short_code', shortCode: true },
] as const;
type SenderKind = (typeof SENDER_KINDS)[number];

function senderJson(s: MessagingServiceRecord, sender: ServiceSender, n: NumberRecord, base: string, kind: SenderKind): Record<string, unknown> {
  const caps: string[] = [];
  if (n.capabilities.sms) caps.push('SMS');
  if (n.capabilities.mms) caps.push('MMS');
  if (n.capabilities.voice) caps.push('Voice');
  return {
    sid: n.sid,
    account_sid: s.accountSid,
    service_sid: s.sid,
    date_created: isoSeconds(sender.dateAdded),
    date_updated: isoSeconds(sender.dateAdded),
    [kind.field]: n.phoneNumber,
    country_code: n.isoCountry,
    capabilities: caps,
    url: `${base}/v1/Services/${s.sid}/${kind.resource}/${n.sid}`,
  };
}

function alphaJson(s: MessagingServiceRecord, a: AlphaSenderRecord, base: string, resource = 'AlphaSenders'): Record<string, unknown> {
  return {
    sid: a.sid,
    account_sid: s.accountSid,
    service_sid: s.sid,
    date_created: isoSeconds(a.dateCreated),
    date_updated: isoSeconds(a.dateCreated),
    alpha_sender: a.alphaSender,
    capabilities: ['SMS'],
    url: `${base}/v1/Services/${s.sid}/${resource}/${a.sid}`,
  };
}

function destinationAlphaJson(s: MessagingServiceRecord, d: DestinationAlphaSenderRecord, base: string): Record<string, unknown> {
  return { ...alphaJson(s, d, base, 'DestinationAlphaSenders'), iso_country_code: d.isoCountryCode };
}

/** AlphaSender as both alpha-sender resources take it (Twilio's format, with tandem's two extra rules). */
function alphaParam(p: RawParams): string {
  const alpha = str(p, 'AlphaSender') ?? '';
  if (!isAlphaSender(alpha)) {
    throw badRequest(21000, `AlphaSender '${alpha}' is not valid: 1 to 11 of A-Z, a-z, 0-9, space, -, +, _ and &, not digits alone, starting with neither + nor a space.`);
  }
  return alpha;
}

/** IsoCountryCode of a DestinationAlphaSender: a country outside North America (whose handsets take no names); null when absent. */
function isoCountryParam(p: RawParams): string | null {
  const iso = str(p, 'IsoCountryCode');
  if (iso === undefined || iso === '') return null;
  const code = callingCodeOf(iso);
  if (code === undefined) throw badRequest(21000, `IsoCountryCode '${iso}' is not an ISO 3166-1 alpha-2 country code.`);
  if (code === '1') throw badRequest(21000, `IsoCountryCode '${iso}' is in North America, where handsets take texts from phone numbers only, not from alphanumeric sender IDs.`);
  return iso;
}

function parseSettings(p: RawParams): ServiceSettings {
  const s: ServiceSettings = {};
  const name = str(p, 'FriendlyName');
  if (name !== undefined) {
    if (name === '' || name.length > 64) throw badRequest(21000, 'FriendlyName must be 1 to 64 characters.');
    s.friendlyName = name;
  }
  const urls = [
    ['InboundRequestUrl', 'inboundRequestUrl'],
    ['FallbackUrl', 'fallbackUrl'],
    ['StatusCallback', 'statusCallback'],
  ] as const;
  readWebhooks(p, s, urls, [
    ['InboundMethod', 'inboundMethod'],
    ['FallbackMethod', 'fallbackMethod'],
  ]);
  const sticky = bool(p, 'StickySender');
  if (sticky !== undefined) s.stickySender = sticky;
  const onNumber = bool(p, 'UseInboundWebhookOnNumber');
  if (onNumber !== undefined) s.useInboundWebhookOnNumber = onNumber;
  const smart = bool(p, 'SmartEncoding');
  if (smart !== undefined) s.smartEncoding = smart;
  const validity = intParam(p, 'ValidityPeriod', 1, 36_000);
  if (validity !== undefined) s.validityPeriod = validity;
  return s;
}

export function registerMessagingServiceRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { services, tables } = deps;
  const base = deps.config.publicUrl;

  const serviceOf = (accountSid: string, sid: string): MessagingServiceRecord => {
    const s = services.of(accountSid, sid);
    if (!s) throw notFound(`The requested resource /v1/Services/${sid} was not found`);
    return s;
  };
  app.post('/v1/Services', async (req, reply) => {
    const settings = parseSettings((req.body ?? {}) as RawParams);
    if (settings.friendlyName === undefined) throw badRequest(21000, 'FriendlyName is required.');
    const created = await services.create(req.account.sid, { ...settings, friendlyName: settings.friendlyName });
    reply.code(201);
    return serviceJson(created, base);
  });

  app.get('/v1/Services', async (req) => {
    const page = parsePageRequest(req.query as RawParams);
    const sid = req.account.sid;
    const { records, nextAfter } = scanPage(tables.messagingServicesByAccount, [sid, 0, ''], [sid, Number.MAX_SAFE_INTEGER, ''], page, (id) => services.get(id));
    return pageEnvelopeV1('services', base, '/v1/Services', page, records.map((s) => serviceJson(s, base)), nextAfter);
  });

  app.get('/v1/Services/:Sid', async (req) => serviceJson(serviceOf(req.account.sid, (req.params as { Sid: string }).Sid), base));

  app.post('/v1/Services/:Sid', async (req) => {
    const s = serviceOf(req.account.sid, (req.params as { Sid: string }).Sid);
    return serviceJson(await services.update(s, parseSettings((req.body ?? {}) as RawParams)), base);
  });

  app.delete('/v1/Services/:Sid', async (req, reply) => {
    await services.remove(serviceOf(req.account.sid, (req.params as { Sid: string }).Sid));
    return reply.code(204).send();
  });

  for (const kind of SENDER_KINDS) {
    const path = `/v1/Services/:Sid/${kind.resource}`;
    const what = kind.shortCode ? 'Short code' : 'Phone number';
    const senderOf = (s: MessagingServiceRecord, sid: string): { sender: ServiceSender; number: NumberRecord } => {
      const sender = services.sendersOf(s.sid).find((x) => x.pnSid === sid);
      const number = sender && tables.numbers.get(sid);
      if (!sender || !number || (number.numberType === 'shortCode') !== kind.shortCode) {
        throw notFound(`The requested resource /v1/Services/${s.sid}/${kind.resource}/${sid} was not found`);
      }
      return { sender, number };
    };

    app.post(path, async (req, reply) => {
      const s = serviceOf(req.account.sid, (req.params as { Sid: string }).Sid);
      const sid = str((req.body ?? {}) as RawParams, kind.param) ?? '';
      const number = tables.numbers.get(sid);
      if (!number || number.accountSid !== s.accountSid || (number.numberType === 'shortCode') !== kind.shortCode) {
        throw badRequest(21421, `${kind.param} ${sid} is not a ${what.toLowerCase()} of this account.`);
      }
      if (!number.capabilities.sms) throw badRequest(21715, `${what} ${number.phoneNumber} cannot send SMS, so it cannot join a Messaging Service.`);
      const current = services.serviceOf(sid);
      if (current?.sid === s.sid) throw badRequest(21710, `${what} ${number.phoneNumber} is already in this Messaging Service.`);
      if (current) throw badRequest(21712, `${what} ${number.phoneNumber} is associated with another Messaging Service (${current.sid}).`);
      const sender = await services.addSender(s, sid);
      reply.code(201);
      return senderJson(s, sender, number, base, kind);
    });

    app.get(path, async (req) => {
      const s = serviceOf(req.account.sid, (req.params as { Sid: string }).Sid);
      const page = parsePageRequest(req.query as RawParams);
      const { records, nextAfter } = scanPage(tables.serviceSenders, [s.sid, 0, ''], [s.sid, Number.MAX_SAFE_INTEGER, ''], page, (sid) => {
        const sender = services.sendersOf(s.sid).find((x) => x.pnSid === sid);
        const number = tables.numbers.get(sid);
        return sender && number && (number.numberType === 'shortCode') === kind.shortCode ? senderJson(s, sender, number, base, kind) : undefined;
      });
      return pageEnvelopeV1(kind.key, base, `/v1/Services/${s.sid}/${kind.resource}`, page, records, nextAfter);
    });

    app.get(`${path}/:SenderSid`, async (req) => {
      const p = req.params as { Sid: string; SenderSid: string };
      const s = serviceOf(req.account.sid, p.Sid);
      const { sender, number } = senderOf(s, p.SenderSid);
      return senderJson(s, sender, number, base, kind);
    });

    app.delete(`${path}/:SenderSid`, async (req, reply) => {
      const p = req.params as { Sid: string; SenderSid: string };
      const s = serviceOf(req.account.sid, p.Sid);
      await services.removeSender(s, senderOf(s, p.SenderSid).sender);
      return reply.code(204).send();
    });
  }

  // A service's alphanumeric sender ID: one at most, as on Twilio (delete it to change it).
  const alphaOf = (s: MessagingServiceRecord, aiSid: string): AlphaSenderRecord => {
    if (!s.alphaSender || s.alphaSender.sid !== aiSid) throw notFound(`The requested resource /v1/Services/${s.sid}/AlphaSenders/${aiSid} was not found`);
    return s.alphaSender;
  };

  app.post('/v1/Services/:Sid/AlphaSenders', async (req, reply) => {
    const s = serviceOf(req.account.sid, (req.params as { Sid: string }).Sid);
    const alpha = alphaParam((req.body ?? {}) as RawParams);
    const r = await services.setAlphaSender(s, alpha);
    if (!r.ok) {
      throw badRequest(21000, r.reason === 'has-one'
        ? `The Messaging Service ${s.sid} already has an alpha sender; delete it before adding another.`
        : `The alpha sender '${alpha}' is in use by another account.`);
    }
    reply.code(201);
    return alphaJson(s, r.record, base);
  });

  app.get('/v1/Services/:Sid/AlphaSenders', async (req) => {
    const s = serviceOf(req.account.sid, (req.params as { Sid: string }).Sid);
    const page = parsePageRequest(req.query as RawParams);
    const all = s.alphaSender ? [alphaJson(s, s.alphaSender, base)] : [];
    return pageEnvelopeV1('alpha_senders', base, `/v1/Services/${s.sid}/AlphaSenders`, page, all, undefined);
  });

  app.get('/v1/Services/:Sid/AlphaSenders/:AiSid', async (req) => {
    const p = req.params as { Sid: string; AiSid: string };
    const s = serviceOf(req.account.sid, p.Sid);
    return alphaJson(s, alphaOf(s, p.AiSid), base);
  });

  app.delete('/v1/Services/:Sid/AlphaSenders/:AiSid', async (req, reply) => {
    const p = req.params as { Sid: string; AiSid: string };
    const s = serviceOf(req.account.sid, p.Sid);
    alphaOf(s, p.AiSid);
    await services.removeAlphaSender(s);
    return reply.code(204).send();
  });

  // Alpha senders for destinations: one per country, and one for every country without its own; a service sends as
  // the one for the destination's country, then the one for any, then its AlphaSender (src/messaging/services.ts).
  const destinationOf = (s: MessagingServiceRecord, aiSid: string): DestinationAlphaSenderRecord => {
    const d = (s.destinationAlphaSenders ?? []).find((x) => x.sid === aiSid);
    if (!d) throw notFound(`The requested resource /v1/Services/${s.sid}/DestinationAlphaSenders/${aiSid} was not found`);
    return d;
  };

  app.post('/v1/Services/:Sid/DestinationAlphaSenders', async (req, reply) => {
    const s = serviceOf(req.account.sid, (req.params as { Sid: string }).Sid);
    const p = (req.body ?? {}) as RawParams;
    const alpha = alphaParam(p);
    const iso = isoCountryParam(p);
    const r = await services.addDestinationAlphaSender(s, alpha, iso);
    if (!r.ok) {
      throw badRequest(21000, r.reason === 'has-one'
        ? `The Messaging Service ${s.sid} already has a destination alpha sender for ${iso ?? 'every country'}; delete it before adding another.`
        : `The alpha sender '${alpha}' is in use by another account.`);
    }
    reply.code(201);
    return destinationAlphaJson(s, r.record, base);
  });

  app.get('/v1/Services/:Sid/DestinationAlphaSenders', async (req) => {
    const s = serviceOf(req.account.sid, (req.params as { Sid: string }).Sid);
    const q = req.query as RawParams;
    const page = parsePageRequest(q);
    const iso = str(q, 'IsoCountryCode');
    const all = (s.destinationAlphaSenders ?? []).filter((d) => iso === undefined || iso === '' || d.isoCountryCode === iso);
    const { records, nextAfter } = pageOfList(all, page, (d) => d.sid);
    return pageEnvelopeV1('alpha_senders', base, `/v1/Services/${s.sid}/DestinationAlphaSenders`, page, records.map((d) => destinationAlphaJson(s, d, base)), nextAfter);
  });

  app.get('/v1/Services/:Sid/DestinationAlphaSenders/:AiSid', async (req) => {
    const p = req.params as { Sid: string; AiSid: string };
    const s = serviceOf(req.account.sid, p.Sid);
    return destinationAlphaJson(s, destinationOf(s, p.AiSid), base);
  });

  app.delete('/v1/Services/:Sid/DestinationAlphaSenders/:AiSid', async (req, reply) => {
    const p = req.params as { Sid: string; AiSid: string };
    const s = serviceOf(req.account.sid, p.Sid);
    await services.removeDestinationAlphaSender(s, destinationOf(s, p.AiSid).sid);
    return reply.code(204).send();
  });

}
