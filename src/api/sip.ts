// /2010-04-01/Accounts/{AccountSid}/SIP: SIP domains (SD…), the credential lists (CL…, with their credentials CR…)
// and IP access control lists (AL…, with their addresses IP…) that let endpoints in, and the mappings that make a
// list authenticate a domain's calls or registrations. Stored by src/sip-domains/store.ts; the registrar and the
// INVITE screen (src/sip-domains/) read what is written here. Passwords are taken, checked against Twilio's rules and
// never shown.
//
// Errors are Twilio's SIP codes, each family its own: 21240 a credential list's parameters (or a FriendlyName the
// account has already), 21243 a credential's (Username, Password, a username the list has), 21235 an IP access
// control list's (and an address it holds already), 21238 an address's (FriendlyName, IpAddress, CidrPrefixLength),
// 21232 a DomainName missing, not a host name or in use on the node, 21231 a domain's other parameters and its
// mappings (a list not the account's, one mapped already), 21241 / 21236 deleting a list a domain maps. Unknown SIDs
// are 20404.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiDeps } from './deps.js';
import type { RouteModule } from './app.js';
import type { SipCredentialRecord, SipDomainRecord, SipIpAddressRecord, SipMappingKind, SipMappingRecord } from '../store/records.js';
import {
  LIST_SID_PREFIX,
  SipDomainStore,
  SipRefusal,
  ipv4,
  listKindOf,
  type DomainSettings,
  type IpAddressSettings,
  type SipListKind,
  type SipListRecord,
  type SipRefusalReason,
} from '../sip-domains/store.js';
import { rfc2822 } from '../util/time.js';
import { ApiError, badRequest, notFound } from './errors.js';
import { bool, intParam, method, str, url, type RawParams } from './params.js';
import { pageEnvelope, parsePageRequest, type PageRequest, type PageResult } from './paging.js';

const CREDENTIAL_LIST_NAME_MAX = 64;
const DOMAIN_FRIENDLY_NAME_MAX = 64;
/** An IP access control list's and its addresses' FriendlyName, as the spec has it. */
const IP_FRIENDLY_NAME_MAX = 255;
const USERNAME_MAX = 32;
const PASSWORD_MIN = 12;
/** What a SIP URI's user part may hold unescaped (RFC 3261 `user`: unreserved and user-unreserved characters). */
const USERNAME_CHARS = /^[A-Za-z0-9\-_.!~*'()&=+$,;?/]+$/;
const HOST_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

const CODE = {
  credentialList: 21240,
  credential: 21243,
  ipAcl: 21235,
  ipAddress: 21238,
  domainName: 21232,
  domain: 21231,
} as const;

/** The Twilio error of each refusal of the store ('gone' is a 404 of the resource asked for). */
const REFUSAL_CODES: Record<Exclude<SipRefusalReason, 'gone'>, number> = {
  'credential-list-name-taken': CODE.credentialList,
  'ip-acl-name-taken': CODE.ipAcl,
  'username-taken': CODE.credential,
  'address-taken': CODE.ipAcl,
  'domain-name-taken': CODE.domainName,
  'already-mapped': CODE.domain,
  'list-not-found': CODE.domain,
  'credential-list-mapped': 21241,
  'ip-acl-mapped': 21236,
};

/** The mapping routes under a domain: where each lives, what it maps, and the list key and shape it answers in. */
interface MappingRoute {
  path: string;
  kind: SipMappingKind;
  param: 'CredentialListSid' | 'IpAccessControlListSid';
  /** The legacy routes answer with domain_sid and uri, under a named list key; the Auth ones under `contents`. */
  legacyKey: 'credential_list_mappings' | 'ip_access_control_list_mappings' | null;
}

const MAPPING_ROUTES: readonly MappingRoute[] = [
  { path: 'CredentialListMappings', kind: 'calls-credentials', param: 'CredentialListSid', legacyKey: 'credential_list_mappings' },
  { path: 'IpAccessControlListMappings', kind: 'calls-ip', param: 'IpAccessControlListSid', legacyKey: 'ip_access_control_list_mappings' },
  { path: 'Auth/Calls/CredentialListMappings', kind: 'calls-credentials', param: 'CredentialListSid', legacyKey: null },
  { path: 'Auth/Calls/IpAccessControlListMappings', kind: 'calls-ip', param: 'IpAccessControlListSid', legacyKey: null },
  { path: 'Auth/Registrations/CredentialListMappings', kind: 'registrations-credentials', param: 'CredentialListSid', legacyKey: null },
];

type Params = { ListSid: string; DomainSid: string; Sid: string };
type Refused = <T>(path: string, write: () => Promise<T>) => Promise<T>;

const sipRoot = (accountSid: string) => `/2010-04-01/Accounts/${accountSid}/SIP`;
const dates = (r: { dateCreated: number; dateUpdated: number }) => ({ date_created: rfc2822(r.dateCreated), date_updated: rfc2822(r.dateUpdated) });
const body = (req: FastifyRequest) => (req.body ?? {}) as RawParams;
const params = (req: FastifyRequest) => req.params as Params;
const missing = (path: string) => notFound(`The requested resource ${path} was not found`);
const domainPath = (d: { accountSid: string; sid: string }) => `${sipRoot(d.accountSid)}/Domains/${d.sid}.json`;

/** Runs a store write; its refusals become Twilio's errors (a record deleted meanwhile is a 404 of `path`). */
const refused: Refused = async (path, write) => {
  try {
    return await write();
  } catch (err) {
    if (!(err instanceof SipRefusal)) throw err;
    if (err.reason === 'gone') throw missing(path);
    throw new ApiError(400, REFUSAL_CODES[err.reason], err.message);
  }
};

// ---- JSON ----

function credentialJson(c: SipCredentialRecord): Record<string, unknown> {
  return {
    sid: c.sid,
    account_sid: c.accountSid,
    credential_list_sid: c.credentialListSid,
    username: c.username,
    ...dates(c),
    uri: `${sipRoot(c.accountSid)}/CredentialLists/${c.credentialListSid}/Credentials/${c.sid}.json`,
  };
}

function ipAddressJson(a: SipIpAddressRecord): Record<string, unknown> {
  return {
    sid: a.sid,
    account_sid: a.accountSid,
    friendly_name: a.friendlyName,
    ip_address: a.ipAddress,
    cidr_prefix_length: a.cidrPrefixLength,
    ip_access_control_list_sid: a.ipAccessControlListSid,
    ...dates(a),
    uri: `${sipRoot(a.accountSid)}/IpAccessControlLists/${a.ipAccessControlListSid}/IpAddresses/${a.sid}.json`,
  };
}

function domainJson(d: SipDomainRecord, auth: { credentials: boolean; ip: boolean }): Record<string, unknown> {
  const uri = `${sipRoot(d.accountSid)}/Domains/${d.sid}`;
  return {
    account_sid: d.accountSid,
    api_version: '2010-04-01',
    // What lets the domain's calls in, as Twilio spells it: "CREDENTIAL_LIST", "IP_ACL", both, or "" for neither.
    auth_type: [auth.credentials && 'CREDENTIAL_LIST', auth.ip && 'IP_ACL'].filter(Boolean).join(','),
    ...dates(d),
    domain_name: d.domainName,
    friendly_name: d.friendlyName,
    sid: d.sid,
    uri: `${uri}.json`,
    voice_fallback_method: d.voiceFallbackMethod,
    voice_fallback_url: d.voiceFallbackUrl,
    voice_method: d.voiceMethod,
    voice_status_callback_method: d.voiceStatusCallbackMethod,
    voice_status_callback_url: d.voiceStatusCallbackUrl,
    voice_url: d.voiceUrl,
    subresource_uris: { credential_list_mappings: `${uri}/CredentialListMappings.json`, ip_access_control_list_mappings: `${uri}/IpAccessControlListMappings.json` },
    sip_registration: d.sipRegistration,
    emergency_calling_enabled: d.emergencyCallingEnabled,
    secure: d.secure,
    byoc_trunk_sid: d.byocTrunkSid,
    emergency_caller_sid: d.emergencyCallerSid,
  };
}

// ---- parameters ----

/** A required or optional FriendlyName of at most `max` characters; `code` for what is wrong with it. */
function friendlyName(p: RawParams, o: { required: boolean; max: number; code: number }): string | undefined {
  const name = str(p, 'FriendlyName');
  if (name === undefined || name === '') {
    if (o.required) throw badRequest(o.code, "Missing required parameter 'FriendlyName'");
    return undefined;
  }
  if (name.length > o.max) throw badRequest(o.code, `FriendlyName must be at most ${o.max} characters`);
  return name;
}

function username(p: RawParams): string {
  const u = str(p, 'Username');
  if (u === undefined || u === '') throw badRequest(CODE.credential, "Missing required parameter 'Username'");
  if (u.length > USERNAME_MAX) throw badRequest(CODE.credential, `Username must be at most ${USERNAME_MAX} characters`);
  if (!USERNAME_CHARS.test(u)) throw badRequest(CODE.credential, "Username may hold letters, digits and - _ . ! ~ * ' ( ) & = + $ , ; ? / only (it is the user part of a SIP URI)");
  return u;
}

/** Twilio's rule: at least 12 characters, a digit, a lower-case and an upper-case letter. */
function password(p: RawParams): string {
  const pw = str(p, 'Password');
  if (pw === undefined || pw === '') throw badRequest(CODE.credential, "Missing required parameter 'Password'");
  if (pw.length < PASSWORD_MIN || !/\d/.test(pw) || !/\p{Ll}/u.test(pw) || !/\p{Lu}/u.test(pw)) {
    throw badRequest(CODE.credential, `Password must be at least ${PASSWORD_MIN} characters long and contain a digit, a lower-case and an upper-case letter`);
  }
  return pw;
}

function ipAddress(p: RawParams, required: boolean): string | undefined {
  const ip = str(p, 'IpAddress');
  if (ip === undefined || ip === '') {
    if (required) throw badRequest(CODE.ipAddress, "Missing required parameter 'IpAddress'");
    return undefined;
  }
  if (ipv4(ip) === undefined) throw badRequest(CODE.ipAddress, `IpAddress '${ip}' is not an IPv4 address in dotted decimal notation (only IPv4 is supported)`);
  return ip;
}

function cidrPrefixLength(p: RawParams): number | undefined {
  return intParam(p, 'CidrPrefixLength', 0, 32, CODE.ipAddress);
}

/** A DNS host name (RFC 1123 labels; the last not all digits, so no IP literal), in lower case. */
function domainName(p: RawParams, required: boolean): string | undefined {
  const raw = str(p, 'DomainName');
  if (raw === undefined || raw === '') {
    if (required) throw badRequest(CODE.domainName, "Missing required parameter 'DomainName'");
    return undefined;
  }
  const name = raw.toLowerCase();
  const labels = name.split('.');
  if (name.length > 253 || !labels.every((l) => HOST_LABEL.test(l)) || /^\d+$/.test(labels[labels.length - 1]!)) {
    throw badRequest(CODE.domainName, `DomainName '${raw}' is not a valid host name (letters, digits and '-' in dot-separated labels, e.g. office.sip.example.com)`);
  }
  return name;
}

/** A SID parameter of the given prefix; "" clears it (null). */
function sidParam(p: RawParams, name: string, prefix: string, code: number): string | null | undefined {
  const v = str(p, name);
  if (v === undefined) return undefined;
  if (v === '') return null;
  if (!new RegExp(`^${prefix}[0-9a-fA-F]{32}$`).test(v)) throw badRequest(code, `${name} '${v}' is not a valid ${prefix} SID (${prefix} and 32 hex digits)`);
  return v;
}

/** The domain settings a create or update sends, parsed; unsent ones are absent. */
function domainPatch(p: RawParams, creating: boolean): Partial<DomainSettings> {
  const s: Partial<DomainSettings> = {};
  const set = <K extends keyof DomainSettings>(key: K, v: DomainSettings[K] | undefined): void => {
    if (v !== undefined) s[key] = v;
  };
  set('domainName', domainName(p, creating));
  set('friendlyName', friendlyName(p, { required: false, max: DOMAIN_FRIENDLY_NAME_MAX, code: CODE.domain }));
  set('voiceUrl', url(p, 'VoiceUrl', CODE.domain));
  set('voiceMethod', method(p, 'VoiceMethod', CODE.domain));
  set('voiceFallbackUrl', url(p, 'VoiceFallbackUrl', CODE.domain));
  set('voiceFallbackMethod', method(p, 'VoiceFallbackMethod', CODE.domain));
  set('voiceStatusCallbackUrl', url(p, 'VoiceStatusCallbackUrl', CODE.domain));
  set('voiceStatusCallbackMethod', method(p, 'VoiceStatusCallbackMethod', CODE.domain));
  set('sipRegistration', bool(p, 'SipRegistration', CODE.domain));
  set('emergencyCallingEnabled', bool(p, 'EmergencyCallingEnabled', CODE.domain));
  set('secure', bool(p, 'Secure', CODE.domain));
  set('byocTrunkSid', sidParam(p, 'ByocTrunkSid', 'BY', CODE.domain));
  set('emergencyCallerSid', sidParam(p, 'EmergencyCallerSid', 'PN', CODE.domain));
  return s;
}

function newDomain(p: RawParams): DomainSettings {
  const s = domainPatch(p, true);
  const name = s.domainName!;
  return {
    domainName: name,
    // Without a FriendlyName the domain is known by its name.
    friendlyName: name,
    voiceUrl: null,
    voiceMethod: 'POST',
    voiceFallbackUrl: null,
    voiceFallbackMethod: 'POST',
    voiceStatusCallbackUrl: null,
    voiceStatusCallbackMethod: 'POST',
    sipRegistration: false,
    emergencyCallingEnabled: false,
    secure: false,
    byocTrunkSid: null,
    emergencyCallerSid: null,
    ...s,
  };
}

// ---- routes ----

function listed<R>(req: FastifyRequest, key: string, path: string, page: (r: PageRequest) => PageResult<R>, json: (r: R) => unknown): Record<string, unknown> {
  const pageReq = parsePageRequest(req.query as RawParams);
  const { records, nextAfter } = page(pageReq);
  return pageEnvelope(key, path, {}, pageReq, records.map(json), nextAfter);
}

function created(reply: FastifyReply, json: Record<string, unknown>): Record<string, unknown> {
  reply.code(201);
  return json;
}

/** What the API says differently of the two kinds of list: where they live and how their names are checked. */
interface ListRoute {
  kind: SipListKind;
  /** The path segment under …/SIP and the list key of a page. */
  path: 'CredentialLists' | 'IpAccessControlLists';
  key: 'credential_lists' | 'ip_access_control_lists';
  /** The subresource a list holds: its credentials or its addresses. */
  members: { key: 'credentials' | 'ip_addresses'; path: 'Credentials' | 'IpAddresses' };
  nameMax: number;
  code: number;
}

const CREDENTIAL_LISTS: ListRoute = {
  kind: 'credential-list',
  path: 'CredentialLists',
  key: 'credential_lists',
  members: { key: 'credentials', path: 'Credentials' },
  nameMax: CREDENTIAL_LIST_NAME_MAX,
  code: CODE.credentialList,
};

const IP_ACCESS_CONTROL_LISTS: ListRoute = {
  kind: 'ip-access-control-list',
  path: 'IpAccessControlLists',
  key: 'ip_access_control_lists',
  members: { key: 'ip_addresses', path: 'IpAddresses' },
  nameMax: IP_FRIENDLY_NAME_MAX,
  code: CODE.ipAcl,
};

type ListOf = (req: FastifyRequest) => SipListRecord;

export const registerSipRoutes: RouteModule = (app: FastifyInstance, deps: ApiDeps) => {
  const store = new SipDomainStore(deps.tables);
  const base = '/2010-04-01/Accounts/:AccountSid/SIP';
  registerCredentialRoutes(app, store, base, registerListRoutes(app, store, base, CREDENTIAL_LISTS));
  registerIpAddressRoutes(app, store, base, registerListRoutes(app, store, base, IP_ACCESS_CONTROL_LISTS));
  const domainOf = registerDomainRoutes(app, store, base);
  for (const route of MAPPING_ROUTES) registerMappingRoutes(app, store, `${base}/Domains/:DomainSid/${route.path}`, route, domainOf);
};

/** List, create, fetch, rename and delete one kind of list; returns how its member routes find the list of a request. */
function registerListRoutes(app: FastifyInstance, store: SipDomainStore, base: string, route: ListRoute): ListOf {
  const listsPath = (a: string) => `${sipRoot(a)}/${route.path}.json`;
  const listPath = (a: string, sid: string) => `${sipRoot(a)}/${route.path}/${sid}.json`;
  const listOf: ListOf = (req) => {
    const { ListSid } = params(req);
    const l = store.list(route.kind, req.account.sid, ListSid);
    if (!l) throw missing(listPath(req.account.sid, ListSid));
    return l;
  };
  const json = (l: SipListRecord): Record<string, unknown> => {
    const uri = `${sipRoot(l.accountSid)}/${route.path}/${l.sid}`;
    return { sid: l.sid, account_sid: l.accountSid, friendly_name: l.friendlyName, ...dates(l), subresource_uris: { [route.members.key]: `${uri}/${route.members.path}.json` }, uri: `${uri}.json` };
  };
  const name = (p: RawParams) => friendlyName(p, { required: true, max: route.nameMax, code: route.code })!;

  app.get(`${base}/${route.path}.json`, async (req) => listed(req, route.key, listsPath(req.account.sid), (r) => store.listsPage(route.kind, req.account.sid, r), json));
  app.post(`${base}/${route.path}.json`, async (req, reply) => {
    const n = name(body(req));
    return created(reply, json(await refused(listsPath(req.account.sid), () => store.createList(route.kind, req.account.sid, n))));
  });
  app.get(`${base}/${route.path}/:ListSid.json`, async (req) => json(listOf(req)));
  app.post(`${base}/${route.path}/:ListSid.json`, async (req) => {
    const l = listOf(req);
    const n = name(body(req));
    return json(await refused(listPath(l.accountSid, l.sid), () => store.renameList(route.kind, l, n)));
  });
  app.delete(`${base}/${route.path}/:ListSid.json`, async (req, reply) => {
    const l = listOf(req);
    await refused(listPath(l.accountSid, l.sid), () => store.deleteList(route.kind, l));
    return reply.code(204).send();
  });
  return listOf;
}

function registerCredentialRoutes(app: FastifyInstance, store: SipDomainStore, base: string, listOf: ListOf): void {
  const listPath = (l: SipListRecord) => `${sipRoot(l.accountSid)}/CredentialLists/${l.sid}.json`;
  const credentialPath = (c: { accountSid: string; credentialListSid: string; sid: string }) => `${sipRoot(c.accountSid)}/CredentialLists/${c.credentialListSid}/Credentials/${c.sid}.json`;
  const credentialOf = (req: FastifyRequest): SipCredentialRecord => {
    const l = listOf(req);
    const { Sid } = params(req);
    const c = store.credentialOf(l.sid, Sid);
    if (!c) throw missing(credentialPath({ accountSid: l.accountSid, credentialListSid: l.sid, sid: Sid }));
    return c;
  };

  app.get(`${base}/CredentialLists/:ListSid/Credentials.json`, async (req) => {
    const l = listOf(req);
    return listed(req, 'credentials', `${sipRoot(l.accountSid)}/CredentialLists/${l.sid}/Credentials.json`, (r) => store.credentialsPage(l.sid, r), credentialJson);
  });
  app.post(`${base}/CredentialLists/:ListSid/Credentials.json`, async (req, reply) => {
    const l = listOf(req);
    const p = body(req);
    const u = username(p);
    const pw = password(p);
    return created(reply, credentialJson(await refused(listPath(l), () => store.createCredential(l, u, pw))));
  });
  app.get(`${base}/CredentialLists/:ListSid/Credentials/:Sid.json`, async (req) => credentialJson(credentialOf(req)));
  app.post(`${base}/CredentialLists/:ListSid/Credentials/:Sid.json`, async (req) => {
    const c = credentialOf(req);
    const p = body(req);
    // The password is all a credential's update changes; without one the credential stays as it is.
    if (str(p, 'Password') === undefined) return credentialJson(c);
    const pw = password(p);
    return credentialJson(await refused(credentialPath(c), () => store.setPassword(c, pw)));
  });
  app.delete(`${base}/CredentialLists/:ListSid/Credentials/:Sid.json`, async (req, reply) => {
    const c = credentialOf(req);
    await refused(credentialPath(c), () => store.deleteCredential(c));
    return reply.code(204).send();
  });
}

function registerIpAddressRoutes(app: FastifyInstance, store: SipDomainStore, base: string, aclOf: ListOf): void {
  const aclPath = (l: SipListRecord) => `${sipRoot(l.accountSid)}/IpAccessControlLists/${l.sid}.json`;
  const addressPath = (a: { accountSid: string; ipAccessControlListSid: string; sid: string }) =>
    `${sipRoot(a.accountSid)}/IpAccessControlLists/${a.ipAccessControlListSid}/IpAddresses/${a.sid}.json`;
  const addressOf = (req: FastifyRequest): SipIpAddressRecord => {
    const l = aclOf(req);
    const { Sid } = params(req);
    const a = store.ipAddressOf(l.sid, Sid);
    if (!a) throw missing(addressPath({ accountSid: l.accountSid, ipAccessControlListSid: l.sid, sid: Sid }));
    return a;
  };
  const addressName = (p: RawParams, required: boolean) => friendlyName(p, { required, max: IP_FRIENDLY_NAME_MAX, code: CODE.ipAddress });

  app.get(`${base}/IpAccessControlLists/:ListSid/IpAddresses.json`, async (req) => {
    const l = aclOf(req);
    return listed(req, 'ip_addresses', `${sipRoot(l.accountSid)}/IpAccessControlLists/${l.sid}/IpAddresses.json`, (r) => store.ipAddressesPage(l.sid, r), ipAddressJson);
  });
  app.post(`${base}/IpAccessControlLists/:ListSid/IpAddresses.json`, async (req, reply) => {
    const l = aclOf(req);
    const p = body(req);
    const s: IpAddressSettings = { friendlyName: addressName(p, true)!, ipAddress: ipAddress(p, true)!, cidrPrefixLength: cidrPrefixLength(p) ?? 32 };
    return created(reply, ipAddressJson(await refused(aclPath(l), () => store.createIpAddress(l, s))));
  });
  app.get(`${base}/IpAccessControlLists/:ListSid/IpAddresses/:Sid.json`, async (req) => ipAddressJson(addressOf(req)));
  app.post(`${base}/IpAccessControlLists/:ListSid/IpAddresses/:Sid.json`, async (req) => {
    const a = addressOf(req);
    const p = body(req);
    const patch: Partial<IpAddressSettings> = {};
    const n = addressName(p, false);
    const ip = ipAddress(p, false);
    const prefix = cidrPrefixLength(p);
    if (n !== undefined) patch.friendlyName = n;
    if (ip !== undefined) patch.ipAddress = ip;
    if (prefix !== undefined) patch.cidrPrefixLength = prefix;
    return ipAddressJson(await refused(addressPath(a), () => store.updateIpAddress(a, patch)));
  });
  app.delete(`${base}/IpAccessControlLists/:ListSid/IpAddresses/:Sid.json`, async (req, reply) => {
    const a = addressOf(req);
    await refused(addressPath(a), () => store.deleteIpAddress(a));
    return reply.code(204).send();
  });
}

/** The Domains routes; returns how the mapping routes find the domain of a request. */
function registerDomainRoutes(app: FastifyInstance, store: SipDomainStore, base: string): (req: FastifyRequest) => SipDomainRecord {
  const domainOf = (req: FastifyRequest): SipDomainRecord => {
    const { DomainSid } = params(req);
    const d = store.domainOf(req.account.sid, DomainSid);
    if (!d) throw missing(domainPath({ accountSid: req.account.sid, sid: DomainSid }));
    return d;
  };
  const shown = (d: SipDomainRecord) => domainJson(d, store.callAuth(d.sid));

  app.get(`${base}/Domains.json`, async (req) => listed(req, 'domains', `${sipRoot(req.account.sid)}/Domains.json`, (r) => store.domainsPage(req.account.sid, r), shown));
  app.post(`${base}/Domains.json`, async (req, reply) => {
    const s = newDomain(body(req));
    return created(reply, shown(await refused(`${sipRoot(req.account.sid)}/Domains.json`, () => store.createDomain(req.account.sid, s))));
  });
  app.get(`${base}/Domains/:DomainSid.json`, async (req) => shown(domainOf(req)));
  app.post(`${base}/Domains/:DomainSid.json`, async (req) => {
    const d = domainOf(req);
    const patch = domainPatch(body(req), false);
    return shown(await refused(domainPath(d), () => store.updateDomain(d, patch)));
  });
  app.delete(`${base}/Domains/:DomainSid.json`, async (req, reply) => {
    const d = domainOf(req);
    await refused(domainPath(d), () => store.deleteDomain(d));
    return reply.code(204).send();
  });
  return domainOf;
}

/** GET list, POST, GET one and DELETE of one kind of a domain's mappings. */
function registerMappingRoutes(app: FastifyInstance, store: SipDomainStore, path: string, route: MappingRoute, domainOf: (req: FastifyRequest) => SipDomainRecord): void {
  const prefix = LIST_SID_PREFIX[listKindOf(route.kind)];
  const at = (m: { accountSid: string; domainSid: string }) => `${sipRoot(m.accountSid)}/Domains/${m.domainSid}/${route.path}`;
  const json = (m: SipMappingRecord): Record<string, unknown> => ({
    account_sid: m.accountSid,
    ...dates(m),
    ...(route.legacyKey !== null && { domain_sid: m.domainSid }),
    friendly_name: store.mappedListName(m),
    sid: m.listSid,
    ...(route.legacyKey !== null && { uri: `${at(m)}/${m.listSid}.json` }),
  });
  const mappingOf = (req: FastifyRequest): SipMappingRecord => {
    const d = domainOf(req);
    const { Sid } = params(req);
    const m = store.mapping(d.sid, route.kind, Sid);
    if (!m) throw missing(`${at({ accountSid: d.accountSid, domainSid: d.sid })}/${Sid}.json`);
    return m;
  };

  app.get(`${path}.json`, async (req) => {
    const d = domainOf(req);
    return listed(req, route.legacyKey ?? 'contents', `${at({ accountSid: d.accountSid, domainSid: d.sid })}.json`, (r) => store.mappingsPage(d.sid, route.kind, r), json);
  });
  app.post(`${path}.json`, async (req, reply) => {
    const d = domainOf(req);
    const listSid = str(body(req), route.param);
    if (listSid === undefined || listSid === '') throw badRequest(CODE.domain, `Missing required parameter '${route.param}'`);
    if (!new RegExp(`^${prefix}[0-9a-fA-F]{32}$`).test(listSid)) throw badRequest(CODE.domain, `${route.param} '${listSid}' is not a valid ${prefix} SID (${prefix} and 32 hex digits)`);
    return created(reply, json(await refused(domainPath(d), () => store.map(d, route.kind, listSid))));
  });
  app.get(`${path}/:Sid.json`, async (req) => json(mappingOf(req)));
  app.delete(`${path}/:Sid.json`, async (req, reply) => {
    const m = mappingOf(req);
    await refused(`${at(m)}/${m.listSid}.json`, () => store.unmap(m));
    return reply.code(204).send();
  });
}
