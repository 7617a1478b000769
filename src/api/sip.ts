// /2010-04-01/Accounts/{AccountSid}/SIP: SIP domains (src/sip-domains/), their credential lists and IP access control
// lists, and the mappings that make a list authenticate a domain's calls or registrations. Passwords are taken,
// checked against Twilio's rules (12+ characters, a digit, mixed case) and never shown.
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from './deps.js';
import type { RouteModule } from './app.js';
import type { SipCredentialListRecord, SipCredentialRecord, SipDomainRecord, SipIpAccessControlListRecord, SipIpAddressRecord, SipMappingKind, SipMappingRecord } from '../store/records.js';
import { SipConflictError, SipDomainStore, ipv4Number, type DomainFields } from '../sip-domains/store.js';
import { rfc2822 } from '../util/time.js';
import { badRequest, notFound } from './errors.js';
import { bool, intParam, method, str, url, type RawParams } from './params.js';
import { pageEnvelope, pageOfList, parsePageRequest } from './paging.js';

const FRIENDLY_NAME_MAX = 64;
const USERNAME_MAX = 32;
const HOST_NAME = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/i;

type Params = { AccountSid: string; Sid: string; ListSid: string; DomainSid: string };

/** The mapping routes: where each lives under a domain, what it maps, and its kind. */
const MAPPINGS: { path: string; kind: SipMappingKind; param: 'CredentialListSid' | 'IpAccessControlListSid'; legacy: boolean }[] = [
  { path: 'CredentialListMappings', kind: 'calls-credentials', param: 'CredentialListSid', legacy: true },
  { path: 'IpAccessControlListMappings', kind: 'calls-ip', param: 'IpAccessControlListSid', legacy: true },
  { path: 'Auth/Calls/CredentialListMappings', kind: 'calls-credentials', param: 'CredentialListSid', legacy: false },
  { path: 'Auth/Calls/IpAccessControlListMappings', kind: 'calls-ip', param: 'IpAccessControlListSid', legacy: false },
  { path: 'Auth/Registrations/CredentialListMappings', kind: 'registrations-credentials', param: 'CredentialListSid', legacy: false },
];

export const registerSipRoutes: RouteModule = (app: FastifyInstance, deps: ApiDeps) => {
  const store = new SipDomainStore(deps.tables);
  const root = (a: string) => `/2010-04-01/Accounts/${a}/SIP`;
  const base = '/2010-04-01/Accounts/:AccountSid/SIP';
  const body = (req: { body?: unknown }) => (req.body ?? {}) as RawParams;
  const params = (req: { params: unknown }) => req.params as Params;
  const missing = (what: string) => notFound(`The requested resource ${what} was not found`);
  const conflict = async <T>(f: () => Promise<T>): Promise<T> => {
    try {
      return await f();
    } catch (err) {
      if (err instanceof SipConflictError) throw badRequest(21000, err.message);
      throw err;
    }
  };
  const page = <R>(name: string, path: string, q: RawParams, items: R[], json: (r: R) => unknown, keyOf: (r: R) => string) => {
    const req = parsePageRequest(q);
    const { records, nextAfter } = pageOfList(items, req, keyOf);
    return pageEnvelope(name, path, {}, req, records.map(json), nextAfter);
  };
  const dates = (r: { dateCreated: number; dateUpdated: number }) => ({ date_created: rfc2822(r.dateCreated), date_updated: rfc2822(r.dateUpdated) });

  // ---- credential lists ----

  const listJson = (l: SipCredentialListRecord) => ({
    account_sid: l.accountSid, ...dates(l), friendly_name: l.friendlyName, sid: l.sid,
    subresource_uris: { credentials: `${root(l.accountSid)}/CredentialLists/${l.sid}/Credentials.json` },
    uri: `${root(l.accountSid)}/CredentialLists/${l.sid}.json`,
  });
  const credentialJson = (c: SipCredentialRecord) => ({
    sid: c.sid, account_sid: c.accountSid, credential_list_sid: c.credentialListSid, username: c.username, ...dates(c),
    uri: `${root(c.accountSid)}/CredentialLists/${c.credentialListSid}/Credentials/${c.sid}.json`,
  });
  const credList = (a: string, sid: string) => store.credentialList(a, sid) ?? (() => { throw missing(`${root(a)}/CredentialLists/${sid}.json`); })();

  app.post(`${base}/CredentialLists.json`, async (req, reply) => {
    const l = await store.createCredentialList(req.account.sid, friendlyName(body(req), true)!);
    reply.code(201);
    return listJson(l);
  });
  app.get(`${base}/CredentialLists.json`, async (req) => page('credential_lists', `${root(req.account.sid)}/CredentialLists.json`, req.query as RawParams, store.credentialLists(req.account.sid), listJson, (l) => l.sid));
  app.get(`${base}/CredentialLists/:Sid.json`, async (req) => listJson(credList(req.account.sid, params(req).Sid)));
  app.post(`${base}/CredentialLists/:Sid.json`, async (req) => listJson(await store.renameCredentialList(credList(req.account.sid, params(req).Sid), friendlyName(body(req), true)!)));
  app.delete(`${base}/CredentialLists/:Sid.json`, async (req, reply) => {
    await store.deleteCredentialList(credList(req.account.sid, params(req).Sid));
    reply.code(204);
  });

  const credentialOf = (a: string, listSid: string, sid: string) => {
    const l = credList(a, listSid);
    return store.credentialOf(l.sid, sid) ?? (() => { throw missing(`${root(a)}/CredentialLists/${listSid}/Credentials/${sid}.json`); })();
  };
  app.post(`${base}/CredentialLists/:ListSid/Credentials.json`, async (req, reply) => {
    const l = credList(req.account.sid, params(req).ListSid);
    const p = body(req);
    const username = str(p, 'Username');
    if (!username) throw badRequest(21000, "Missing required parameter 'Username'");
    if (username.length > USERNAME_MAX || /[\s@:;<>"]/.test(username)) throw badRequest(21000, `Username must be up to ${USERNAME_MAX} characters with no spaces or @ : ; < > "`);
    const c = await conflict(() => store.createCredential(l, username, password(p)));
    reply.code(201);
    return credentialJson(c);
  });
  app.get(`${base}/CredentialLists/:ListSid/Credentials.json`, async (req) => {
    const l = credList(req.account.sid, params(req).ListSid);
    return page('credentials', `${root(l.accountSid)}/CredentialLists/${l.sid}/Credentials.json`, req.query as RawParams, store.credentials(l.sid), credentialJson, (c) => c.sid);
  });
  app.get(`${base}/CredentialLists/:ListSid/Credentials/:Sid.json`, async (req) => credentialJson(credentialOf(req.account.sid, params(req).ListSid, params(req).Sid)));
  app.post(`${base}/CredentialLists/:ListSid/Credentials/:Sid.json`, async (req) => {
    const c = credentialOf(req.account.sid, params(req).ListSid, params(req).Sid);
    const p = body(req);
    return credentialJson(str(p, 'Password') === undefined ? c : await store.setPassword(c, password(p)));
  });
  app.delete(`${base}/CredentialLists/:ListSid/Credentials/:Sid.json`, async (req, reply) => {
    await store.deleteCredential(credentialOf(req.account.sid, params(req).ListSid, params(req).Sid));
    reply.code(204);
  });

  // ---- IP access control lists ----

  const aclJson = (l: SipIpAccessControlListRecord) => ({
    sid: l.sid, account_sid: l.accountSid, friendly_name: l.friendlyName, ...dates(l),
    subresource_uris: { ip_addresses: `${root(l.accountSid)}/IpAccessControlLists/${l.sid}/IpAddresses.json` },
    uri: `${root(l.accountSid)}/IpAccessControlLists/${l.sid}.json`,
  });
  const addressJson = (a: SipIpAddressRecord) => ({
    sid: a.sid, account_sid: a.accountSid, friendly_name: a.friendlyName, ip_address: a.ipAddress, cidr_prefix_length: a.cidrPrefixLength,
    ip_access_control_list_sid: a.ipAccessControlListSid, ...dates(a),
    uri: `${root(a.accountSid)}/IpAccessControlLists/${a.ipAccessControlListSid}/IpAddresses/${a.sid}.json`,
  });
  const acl = (a: string, sid: string) => store.ipAccessControlList(a, sid) ?? (() => { throw missing(`${root(a)}/IpAccessControlLists/${sid}.json`); })();
  const addressOf = (a: string, listSid: string, sid: string) => {
    const l = acl(a, listSid);
    return store.ipAddressOf(l.sid, sid) ?? (() => { throw missing(`${root(a)}/IpAccessControlLists/${listSid}/IpAddresses/${sid}.json`); })();
  };

  app.post(`${base}/IpAccessControlLists.json`, async (req, reply) => {
    const l = await store.createIpAccessControlList(req.account.sid, friendlyName(body(req), true)!);
    reply.code(201);
    return aclJson(l);
  });
  app.get(`${base}/IpAccessControlLists.json`, async (req) => page('ip_access_control_lists', `${root(req.account.sid)}/IpAccessControlLists.json`, req.query as RawParams, store.ipAccessControlLists(req.account.sid), aclJson, (l) => l.sid));
  app.get(`${base}/IpAccessControlLists/:Sid.json`, async (req) => aclJson(acl(req.account.sid, params(req).Sid)));
  app.post(`${base}/IpAccessControlLists/:Sid.json`, async (req) => aclJson(await store.renameIpAccessControlList(acl(req.account.sid, params(req).Sid), friendlyName(body(req), true)!)));
  app.delete(`${base}/IpAccessControlLists/:Sid.json`, async (req, reply) => {
    await store.deleteIpAccessControlList(acl(req.account.sid, params(req).Sid));
    reply.code(204);
  });
  app.post(`${base}/IpAccessControlLists/:ListSid/IpAddresses.json`, async (req, reply) => {
    const l = acl(req.account.sid, params(req).ListSid);
    const p = body(req);
    const a = await store.createIpAddress(l, { friendlyName: friendlyName(p, true)!, ipAddress: ipAddress(p, true)!, cidrPrefixLength: intParam(p, 'CidrPrefixLength', 0, 32) ?? 32 });
    reply.code(201);
    return addressJson(a);
  });
  app.get(`${base}/IpAccessControlLists/:ListSid/IpAddresses.json`, async (req) => {
    const l = acl(req.account.sid, params(req).ListSid);
    return page('ip_addresses', `${root(l.accountSid)}/IpAccessControlLists/${l.sid}/IpAddresses.json`, req.query as RawParams, store.ipAddresses(l.sid), addressJson, (a) => a.sid);
  });
  app.get(`${base}/IpAccessControlLists/:ListSid/IpAddresses/:Sid.json`, async (req) => addressJson(addressOf(req.account.sid, params(req).ListSid, params(req).Sid)));
  app.post(`${base}/IpAccessControlLists/:ListSid/IpAddresses/:Sid.json`, async (req) => {
    const a = addressOf(req.account.sid, params(req).ListSid, params(req).Sid);
    const p = body(req);
    const fn = friendlyName(p, false);
    const ip = ipAddress(p, false);
    const cidr = intParam(p, 'CidrPrefixLength', 0, 32);
    return addressJson(await store.updateIpAddress(a, { ...(fn !== undefined && { friendlyName: fn }), ...(ip !== undefined && { ipAddress: ip }), ...(cidr !== undefined && { cidrPrefixLength: cidr }) }));
  });
  app.delete(`${base}/IpAccessControlLists/:ListSid/IpAddresses/:Sid.json`, async (req, reply) => {
    await store.deleteIpAddress(addressOf(req.account.sid, params(req).ListSid, params(req).Sid));
    reply.code(204);
  });

  // ---- domains ----

  const authType = (d: SipDomainRecord) => {
    const a = store.callAuth(d.sid);
    return [a.credentials && 'CREDENTIAL_LIST', a.ip && 'IP_ACL'].filter(Boolean).join(',');
  };
  const domainJson = (d: SipDomainRecord) => {
    const uri = `${root(d.accountSid)}/Domains/${d.sid}`;
    return {
      account_sid: d.accountSid, api_version: '2010-04-01', auth_type: authType(d), ...dates(d), domain_name: d.domainName,
      friendly_name: d.friendlyName, sid: d.sid, uri: `${uri}.json`,
      voice_fallback_method: d.voiceFallbackMethod, voice_fallback_url: d.voiceFallbackUrl, voice_method: d.voiceMethod,
      voice_status_callback_method: d.voiceStatusCallbackMethod, voice_status_callback_url: d.voiceStatusCallbackUrl, voice_url: d.voiceUrl,
      subresource_uris: { ip_access_control_list_mappings: `${uri}/IpAccessControlListMappings.json`, credential_list_mappings: `${uri}/CredentialListMappings.json` },
      sip_registration: d.sipRegistration, emergency_calling_enabled: d.emergencyCallingEnabled, secure: d.secure,
      byoc_trunk_sid: d.byocTrunkSid, emergency_caller_sid: d.emergencyCallerSid,
    };
  };
  const domainOf = (a: string, sid: string) => store.domainOf(a, sid) ?? (() => { throw missing(`${root(a)}/Domains/${sid}.json`); })();

  app.post(`${base}/Domains.json`, async (req, reply) => {
    const f = domainFields(body(req), undefined);
    const d = await conflict(() => store.createDomain(req.account.sid, f as DomainFields));
    reply.code(201);
    return domainJson(d);
  });
  app.get(`${base}/Domains.json`, async (req) => page('domains', `${root(req.account.sid)}/Domains.json`, req.query as RawParams, store.domains(req.account.sid), domainJson, (d) => d.sid));
  app.get(`${base}/Domains/:Sid.json`, async (req) => domainJson(domainOf(req.account.sid, params(req).Sid)));
  app.post(`${base}/Domains/:Sid.json`, async (req) => {
    const d = domainOf(req.account.sid, params(req).Sid);
    return domainJson(await conflict(() => store.updateDomain(d, domainFields(body(req), d))));
  });
  app.delete(`${base}/Domains/:Sid.json`, async (req, reply) => {
    await store.deleteDomain(domainOf(req.account.sid, params(req).Sid));
    reply.code(204);
  });

  for (const spec of MAPPINGS) {
    const listName = (m: SipMappingRecord) => (spec.kind === 'calls-ip' ? store.ipAccessControlList(m.accountSid, m.listSid)?.friendlyName : store.credentialList(m.accountSid, m.listSid)?.friendlyName) ?? '';
    const mappingJson = (m: SipMappingRecord) => ({
      account_sid: m.accountSid, ...dates(m), friendly_name: listName(m), sid: m.listSid,
      ...(spec.legacy && { domain_sid: m.domainSid }),
      uri: `${root(m.accountSid)}/Domains/${m.domainSid}/${spec.path}/${m.listSid}.json`,
    });
    const path = `${base}/Domains/:DomainSid/${spec.path}`;
    const mappingOf = (a: string, domainSid: string, sid: string) =>
      store.mapping(domainOf(a, domainSid).sid, spec.kind, sid) ?? (() => { throw missing(`${root(a)}/Domains/${domainSid}/${spec.path}/${sid}.json`); })();
    app.post(`${path}.json`, async (req, reply) => {
      const d = domainOf(req.account.sid, params(req).DomainSid);
      const listSid = str(body(req), spec.param);
      if (!listSid) throw badRequest(21000, `Missing required parameter '${spec.param}'`);
      const owned = spec.kind === 'calls-ip' ? store.ipAccessControlList(d.accountSid, listSid) : store.credentialList(d.accountSid, listSid);
      if (!owned) throw badRequest(21000, `${spec.param} ${listSid} is not one of this account's lists`);
      const m = await conflict(() => store.map(d, spec.kind, listSid));
      reply.code(201);
      return mappingJson(m);
    });
    app.get(`${path}.json`, async (req) => {
      const d = domainOf(req.account.sid, params(req).DomainSid);
      const key = spec.legacy ? (spec.kind === 'calls-ip' ? 'ip_access_control_list_mappings' : 'credential_list_mappings') : 'contents';
      return page(key, `${root(d.accountSid)}/Domains/${d.sid}/${spec.path}.json`, req.query as RawParams, store.mappings(d.sid, spec.kind), mappingJson, (m) => m.listSid);
    });
    app.get(`${path}/:Sid.json`, async (req) => mappingJson(mappingOf(req.account.sid, params(req).DomainSid, params(req).Sid)));
    app.delete(`${path}/:Sid.json`, async (req, reply) => {
      await store.unmap(mappingOf(req.account.sid, params(req).DomainSid, params(req).Sid));
      reply.code(204);
    });
  }
};

function friendlyName(p: RawParams, required: boolean): string | undefined {
  const n = str(p, 'FriendlyName');
  if (n === undefined || n === '') {
    if (required) throw badRequest(21000, "Missing required parameter 'FriendlyName'");
    return undefined;
  }
  if (n.length > FRIENDLY_NAME_MAX) throw badRequest(21000, `FriendlyName must be at most ${FRIENDLY_NAME_MAX} characters`);
  return n;
}

function password(p: RawParams): string {
  const pw = str(p, 'Password') ?? '';
  if (pw.length < 12 || !/\d/.test(pw) || !/[a-z]/.test(pw) || !/[A-Z]/.test(pw)) {
    throw badRequest(21000, 'Password must be at least 12 characters long and contain a digit, a lower-case and an upper-case letter');
  }
  return pw;
}

function ipAddress(p: RawParams, required: boolean): string | undefined {
  const ip = str(p, 'IpAddress');
  if (ip === undefined || ip === '') {
    if (required) throw badRequest(21000, "Missing required parameter 'IpAddress'");
    return undefined;
  }
  if (ipv4Number(ip) === undefined) throw badRequest(21000, `IpAddress ${ip} is not an IPv4 address`);
  return ip.trim();
}

/** A domain's fields from POST Domains (all, with defaults) or an update (`current` given: only those sent). */
function domainFields(p: RawParams, current: SipDomainRecord | undefined): Partial<DomainFields> {
  const name = str(p, 'DomainName');
  if (current === undefined && !name) throw badRequest(21000, "Missing required parameter 'DomainName'");
  if (name !== undefined && !HOST_NAME.test(name)) throw badRequest(21000, `DomainName ${name} is not a host name`);
  const fn = str(p, 'FriendlyName');
  if (fn !== undefined && fn.length > FRIENDLY_NAME_MAX) throw badRequest(21000, `FriendlyName must be at most ${FRIENDLY_NAME_MAX} characters`);
  const sidOrNull = (k: string) => {
    const v = str(p, k);
    return v === undefined ? undefined : v === '' ? null : v;
  };
  const f: Partial<DomainFields> = {
    ...(name !== undefined && { domainName: name.toLowerCase() }),
    ...(fn !== undefined && { friendlyName: fn }),
  };
  const set = <K extends keyof DomainFields>(k: K, v: DomainFields[K] | undefined) => {
    if (v !== undefined) f[k] = v;
  };
  set('voiceUrl', url(p, 'VoiceUrl', 21502));
  set('voiceMethod', method(p, 'VoiceMethod'));
  set('voiceFallbackUrl', url(p, 'VoiceFallbackUrl', 21502));
  set('voiceFallbackMethod', method(p, 'VoiceFallbackMethod'));
  set('voiceStatusCallbackUrl', url(p, 'VoiceStatusCallbackUrl', 21502));
  set('voiceStatusCallbackMethod', method(p, 'VoiceStatusCallbackMethod'));
  set('sipRegistration', bool(p, 'SipRegistration'));
  set('emergencyCallingEnabled', bool(p, 'EmergencyCallingEnabled'));
  set('secure', bool(p, 'Secure'));
  set('byocTrunkSid', sidOrNull('ByocTrunkSid'));
  set('emergencyCallerSid', sidOrNull('EmergencyCallerSid'));
  if (current !== undefined) return f;
  return {
    domainName: name!.toLowerCase(), friendlyName: fn ?? name!, voiceUrl: null, voiceMethod: 'POST', voiceFallbackUrl: null, voiceFallbackMethod: 'POST',
    voiceStatusCallbackUrl: null, voiceStatusCallbackMethod: 'POST', sipRegistration: false, emergencyCallingEnabled: false, secure: false,
    byocTrunkSid: null, emergencyCallerSid: null, ...f,
  };
}
