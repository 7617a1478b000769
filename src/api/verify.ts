// /v2/Services (Twilio Verify, verify.twilio.com; the official client's verify.v2): Verify services, their
// verifications and checks, and the Messaging Service that sends their codes per country (src/verify/verify.ts).
// The account is the caller's own, as the v2 paths name none. Verify's own code for a bad parameter is 60200.
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from './deps.js';
import type { VerificationRecord, VerifyServiceRecord } from '../store/records.js';
import type { ServiceSettings, Verify } from '../verify/verify.js';
import { callingCodeOf } from '../numbers/geo.js';
import { isoSeconds } from '../util/time.js';
import { isSid } from '../util/sid.js';
import { badRequest, notFound } from './errors.js';
import { normalizePhoneNumber, str, type RawParams } from './params.js';
import { pageEnvelopeV1, pageOfList, parsePageRequest } from './paging.js';

const invalid = (name: string, why: string) => badRequest(60200, `Invalid parameter ${name}: ${why}`);

function serviceJson(s: VerifyServiceRecord, base: string): Record<string, unknown> {
  const self = `${base}/v2/Services/${s.sid}`;
  return {
    sid: s.sid,
    account_sid: s.accountSid,
    friendly_name: s.friendlyName,
    code_length: s.codeLength,
    custom_code_enabled: s.customCodeEnabled,
    // What tandem does not do, shown as Twilio's defaults would be and acted on as off.
    lookup_enabled: false,
    psd2_enabled: false,
    skip_sms_to_landlines: false,
    dtmf_input_required: true,
    tts_name: null,
    do_not_share_warning_enabled: false,
    push: { include_date: false, apn_credential_sid: null, fcm_credential_sid: null },
    totp: { issuer: null, time_step: 30, code_length: 6, skew: 1 },
    default_template_sid: null,
    whatsapp: { msg_service_sid: null, from: null },
    passkeys: null,
    verify_event_subscription_enabled: false,
    date_created: isoSeconds(s.dateCreated),
    date_updated: isoSeconds(s.dateUpdated),
    url: self,
    links: {
      verifications: `${self}/Verifications`,
      verification_checks: `${self}/VerificationCheck`,
      messaging_configurations: `${self}/MessagingConfigurations`,
    },
  };
}

/** What a verification and a check of it both show. */
function verificationFields(v: VerificationRecord): Record<string, unknown> {
  return {
    sid: v.sid,
    service_sid: v.serviceSid,
    account_sid: v.accountSid,
    to: v.to,
    channel: v.channel,
    status: v.status,
    valid: v.status === 'approved',
    amount: null,
    payee: null,
    date_created: isoSeconds(v.dateCreated),
    date_updated: isoSeconds(v.dateUpdated),
  };
}

function verificationJson(v: VerificationRecord, base: string): Record<string, unknown> {
  return {
    ...verificationFields(v),
    lookup: {},
    send_code_attempts: v.sendCodeAttempts.map((a) => ({ attempt_sid: a.attemptSid, channel: a.channel, time: isoSeconds(a.time) })),
    sna: null,
    url: `${base}/v2/Services/${v.serviceSid}/Verifications/${v.sid}`,
  };
}

function checkJson(v: VerificationRecord): Record<string, unknown> {
  return { ...verificationFields(v), sna_attempts_error_codes: [] };
}

function configurationJson(s: VerifyServiceRecord, c: VerifyServiceRecord['messagingConfigurations'][number], base: string): Record<string, unknown> {
  return {
    account_sid: s.accountSid,
    service_sid: s.sid,
    country: c.country,
    messaging_service_sid: c.messagingServiceSid,
    date_created: isoSeconds(c.dateCreated),
    date_updated: isoSeconds(c.dateUpdated),
    url: `${base}/v2/Services/${s.sid}/MessagingConfigurations/${c.country}`,
  };
}

function parseServiceSettings(p: RawParams): ServiceSettings {
  const s: ServiceSettings = {};
  const name = str(p, 'FriendlyName');
  if (name !== undefined) {
    // Twilio's limit: it is read out in the text, "Your {FriendlyName} verification code is …".
    if (name === '' || name.length > 30) throw invalid('FriendlyName', '1 to 30 characters.');
    s.friendlyName = name;
  }
  const length = str(p, 'CodeLength');
  if (length !== undefined && length !== '') {
    const n = Number(length);
    if (!Number.isInteger(n) || n < 4 || n > 10) throw invalid('CodeLength', 'an integer from 4 to 10.');
    s.codeLength = n;
  }
  const custom = str(p, 'CustomCodeEnabled');
  if (custom !== undefined && custom !== '') {
    if (custom !== 'true' && custom !== 'false') throw invalid('CustomCodeEnabled', 'true or false.');
    s.customCodeEnabled = custom === 'true';
  }
  return s;
}

export function verifyRoutes(verify: Verify) {
  return (app: FastifyInstance, deps: ApiDeps): void => {
    const base = deps.config.publicUrl;
    const serviceOf = (accountSid: string, sid: string): VerifyServiceRecord => {
      const s = verify.service(accountSid, sid);
      if (!s) throw notFound(`The requested resource /Services/${sid} was not found`);
      return s;
    };
    const paramsOf = (req: { params: unknown }) => req.params as { Sid: string; Id: string; Country: string };

    app.post('/v2/Services', async (req, reply) => {
      const settings = parseServiceSettings((req.body ?? {}) as RawParams);
      if (settings.friendlyName === undefined) throw invalid('FriendlyName', 'required.');
      const s = await verify.createService(req.account.sid, { ...settings, friendlyName: settings.friendlyName });
      reply.code(201);
      return serviceJson(s, base);
    });

    app.get('/v2/Services', async (req) => {
      const page = parsePageRequest(req.query as RawParams);
      const { records, nextAfter } = pageOfList(verify.servicesOf(req.account.sid), page, (s) => s.sid);
      return pageEnvelopeV1('services', base, '/v2/Services', page, records.map((s) => serviceJson(s, base)), nextAfter);
    });

    app.get('/v2/Services/:Sid', async (req) => serviceJson(serviceOf(req.account.sid, paramsOf(req).Sid), base));

    app.post('/v2/Services/:Sid', async (req) => {
      const s = serviceOf(req.account.sid, paramsOf(req).Sid);
      return serviceJson(await verify.updateService(s, parseServiceSettings((req.body ?? {}) as RawParams)), base);
    });

    app.delete('/v2/Services/:Sid', async (req, reply) => {
      await verify.removeService(serviceOf(req.account.sid, paramsOf(req).Sid));
      return reply.code(204).send();
    });

    app.post('/v2/Services/:Sid/Verifications', async (req, reply) => {
      const s = serviceOf(req.account.sid, paramsOf(req).Sid);
      const p = (req.body ?? {}) as RawParams;
      const toRaw = str(p, 'To') ?? '';
      const to = normalizePhoneNumber(toRaw);
      if (!to) throw invalid('To', `'${toRaw}' is not a phone number in E.164 format.`);
      const channel = str(p, 'Channel') ?? '';
      if (channel !== 'sms' && channel !== 'call') {
        throw invalid('Channel', channel === '' ? 'required.' : `'${channel}' is not a channel tandem sends codes on: sms or call (no email or WhatsApp).`);
      }
      const customFriendlyName = str(p, 'CustomFriendlyName');
      const customCode = str(p, 'CustomCode');
      const v = await verify.start(req.account, s, {
        to,
        channel,
        ...(customFriendlyName && { customFriendlyName }),
        ...(customCode !== undefined && customCode !== '' && { customCode }),
      });
      reply.code(201);
      return verificationJson(v, base);
    });

    const verificationOf = (s: VerifyServiceRecord, id: string): VerificationRecord => {
      // By its SID, or (as Twilio allows on update) by the number it was sent to.
      const to = isSid(id, 'VE') ? undefined : normalizePhoneNumber(id);
      const v = to ? verify.pendingFor(s, to) : verify.get(s, id);
      if (!v) throw notFound(`The requested resource /Services/${s.sid}/Verifications/${id} was not found`);
      return v;
    };

    app.get('/v2/Services/:Sid/Verifications/:Id', async (req) => {
      const s = serviceOf(req.account.sid, paramsOf(req).Sid);
      return verificationJson(verificationOf(s, paramsOf(req).Id), base);
    });

    app.post('/v2/Services/:Sid/Verifications/:Id', async (req) => {
      const s = serviceOf(req.account.sid, paramsOf(req).Sid);
      const status = str((req.body ?? {}) as RawParams, 'Status');
      if (status !== 'canceled' && status !== 'approved') throw invalid('Status', 'canceled or approved.');
      const v = verificationOf(s, paramsOf(req).Id);
      if (v.status !== 'pending') throw notFound(`The requested resource /Services/${s.sid}/Verifications/${paramsOf(req).Id} was not found`);
      return verificationJson(await verify.settle(v, status), base);
    });

    app.post('/v2/Services/:Sid/VerificationCheck', async (req) => {
      const s = serviceOf(req.account.sid, paramsOf(req).Sid);
      const p = (req.body ?? {}) as RawParams;
      const code = str(p, 'Code') ?? '';
      if (code === '') throw invalid('Code', 'required.');
      const verificationSid = str(p, 'VerificationSid') || undefined;
      const toRaw = str(p, 'To') || undefined;
      if ((verificationSid === undefined) === (toRaw === undefined)) throw invalid('To', 'give either To or VerificationSid.');
      const to = toRaw === undefined ? undefined : normalizePhoneNumber(toRaw);
      if (toRaw !== undefined && !to) throw invalid('To', `'${toRaw}' is not a phone number in E.164 format.`);
      return checkJson(await verify.check(s, verificationSid !== undefined ? { verificationSid } : { to: to! }, code));
    });

    // The Messaging Service that sends a country's codes (`all` for every country without its own).
    const countryParam = (raw: string | undefined): string => {
      const c = raw ?? '';
      if (c !== 'all' && callingCodeOf(c) === undefined) throw invalid('Country', `'${c}' is neither an ISO 3166-1 alpha-2 country code nor 'all'.`);
      return c;
    };
    const messagingServiceParam = (accountSid: string, p: RawParams): string => {
      const sid = str(p, 'MessagingServiceSid') ?? '';
      if (!deps.services.of(accountSid, sid)) throw invalid('MessagingServiceSid', `${sid || "''"} is not a Messaging Service of this account.`);
      return sid;
    };
    const configurationOf = (s: VerifyServiceRecord, country: string) => {
      const c = s.messagingConfigurations.find((x) => x.country === country);
      if (!c) throw notFound(`The requested resource /Services/${s.sid}/MessagingConfigurations/${country} was not found`);
      return c;
    };

    app.post('/v2/Services/:Sid/MessagingConfigurations', async (req, reply) => {
      const s = serviceOf(req.account.sid, paramsOf(req).Sid);
      const p = (req.body ?? {}) as RawParams;
      const country = countryParam(str(p, 'Country'));
      if (s.messagingConfigurations.some((c) => c.country === country)) throw invalid('Country', `the service has a messaging configuration for ${country} already; update it instead.`);
      const updated = await verify.configureMessaging(s, country, messagingServiceParam(s.accountSid, p));
      reply.code(201);
      return configurationJson(updated, configurationOf(updated, country), base);
    });

    app.get('/v2/Services/:Sid/MessagingConfigurations', async (req) => {
      const s = serviceOf(req.account.sid, paramsOf(req).Sid);
      const page = parsePageRequest(req.query as RawParams);
      const { records, nextAfter } = pageOfList(s.messagingConfigurations, page, (c) => c.country);
      return pageEnvelopeV1('messaging_configurations', base, `/v2/Services/${s.sid}/MessagingConfigurations`, page, records.map((c) => configurationJson(s, c, base)), nextAfter);
    });

    app.get('/v2/Services/:Sid/MessagingConfigurations/:Country', async (req) => {
      const s = serviceOf(req.account.sid, paramsOf(req).Sid);
      return configurationJson(s, configurationOf(s, paramsOf(req).Country), base);
    });

    app.post('/v2/Services/:Sid/MessagingConfigurations/:Country', async (req) => {
      const s = serviceOf(req.account.sid, paramsOf(req).Sid);
      const country = paramsOf(req).Country;
      configurationOf(s, country);
      const updated = await verify.configureMessaging(s, country, messagingServiceParam(s.accountSid, (req.body ?? {}) as RawParams));
      return configurationJson(updated, configurationOf(updated, country), base);
    });

    app.delete('/v2/Services/:Sid/MessagingConfigurations/:Country', async (req, reply) => {
      const s = serviceOf(req.account.sid, paramsOf(req).Sid);
      const country = paramsOf(req).Country;
      configurationOf(s, country);
      await verify.removeMessagingConfiguration(s, country);
      return reply.code(204).send();
    });
  };
}
