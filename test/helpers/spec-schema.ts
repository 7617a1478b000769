// Checks tandem's JSON against the vendored Twilio OpenAPI spec (../shared/spec/twilio_api_v2010.json, beside the
// repo in CI and in the working tree). The check is the one a Twilio SDK or user code relies on: every property
// the schema names is present, with the schema's type, null only where the schema allows it, enum values and SID
// patterns honoured, RFC 2822 dates. Extra properties (tandem extensions) are allowed, as Twilio adds fields too.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const SPEC_URL = new URL('../../../shared/spec/twilio_api_v2010.json', import.meta.url);

export interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  pattern?: string;
  enum?: unknown[];
  nullable?: boolean;
  properties?: Record<string, Schema>;
  items?: Schema;
}

interface OpenApi {
  components: { schemas: Record<string, Schema> };
  paths: Record<string, Record<string, { responses?: Record<string, { content?: Record<string, { schema?: Schema }> }> }>>;
}

let cached: OpenApi | undefined;

function spec(): OpenApi {
  if (cached) return cached;
  const path = fileURLToPath(SPEC_URL);
  if (!existsSync(path)) throw new Error(`Twilio OpenAPI spec not found at ${path}: the shared/ folder must sit beside the repo`);
  cached = JSON.parse(readFileSync(path, 'utf8')) as OpenApi;
  return cached;
}

/** A component schema by its short name, e.g. `incoming_phone_number` or `available_phone_number_country.available_phone_number_local`. */
export function resourceSchema(name: string): Schema {
  const all = spec().components.schemas;
  const s = all[name] ?? all[`api.v2010.account.${name}`] ?? all[`api.v2010.${name}`];
  if (!s) throw new Error(`no schema named ${name} in the spec`);
  return s;
}

/** The schema of a path's success response, e.g. `('/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json', 'get')`. */
export function responseSchema(path: string, method: 'get' | 'post' = 'get'): Schema {
  const op = spec().paths[path]?.[method];
  const responses = op?.responses ?? {};
  for (const status of ['200', '201']) {
    const s = responses[status]?.content?.['application/json']?.schema;
    if (s) return s;
  }
  throw new Error(`no JSON success response for ${method.toUpperCase()} ${path} in the spec`);
}

/**
 * Where the live API (which existing user code is written against) knowingly differs from the spec's schema,
 * keyed by the dotted property path inside the checked resource.
 * - `rename`: the live key for a spec key (AvailablePhoneNumbers spells capabilities `SMS`/`MMS`, twilio-compat.md §5).
 * - `type`: the live JSON type (latitude/longitude are strings like "37.974760" in the spec's own examples).
 */
export interface Deviations {
  rename?: Record<string, string>;
  type?: Record<string, 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array'>;
}

export const AVAILABLE_NUMBER_DEVIATIONS: Deviations = {
  rename: { 'capabilities.sms': 'SMS', 'capabilities.mms': 'MMS' },
  type: { latitude: 'string', longitude: 'string' },
};

/** The same deviations for resources listed under `key` of a list envelope (e.g. `available_phone_numbers`). */
export function listedUnder(key: string, d: Deviations): Deviations {
  const map = <T>(m: Record<string, T> | undefined) => Object.fromEntries(Object.entries(m ?? {}).map(([k, v]) => [`${key}.${k}`, v]));
  return { rename: map(d.rename), type: map(d.type) };
}

/** Deviations for a resource nested under `prefix` (e.g. list items under `available_phone_numbers[]`). */
function nested(d: Deviations, prefix: string): Deviations {
  const pick = <T>(m: Record<string, T> | undefined): Record<string, T> => {
    const out: Record<string, T> = {};
    for (const [k, v] of Object.entries(m ?? {})) if (k.startsWith(prefix + '.')) out[k.slice(prefix.length + 1)] = v;
    return out;
  };
  return { rename: pick(d.rename), type: pick(d.type) };
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const RFC2822 = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} \+0000$/;

/** True for `Thu, 24 Aug 2023 05:01:45 +0000` with a weekday that matches the date. */
export function isRfc2822(v: unknown): boolean {
  if (typeof v !== 'string' || !RFC2822.test(v)) return false;
  const d = new Date(v);
  return !Number.isNaN(d.getTime()) && DAYS[d.getUTCDay()] === v.slice(0, 3);
}

function resolve(s: Schema): Schema {
  let cur = s;
  for (let i = 0; cur.$ref && i < 10; i++) {
    const name = cur.$ref.replace('#/components/schemas/', '');
    const next = spec().components.schemas[name];
    if (!next) throw new Error(`unresolvable $ref ${cur.$ref}`);
    cur = next;
  }
  return cur;
}

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/**
 * Every way `value` falls short of `schema`, as readable strings (empty when it conforms). A property whose
 * schema is a bare `$ref` to an enum counts as nullable only if the enum says so.
 */
export function shapeProblems(value: unknown, schema: Schema, deviations: Deviations = {}, at = '$'): string[] {
  const problems: string[] = [];
  const s = resolve(schema);
  const nullable = schema.nullable === true || s.nullable === true;
  if (value === null || value === undefined) {
    if (value === undefined) problems.push(`${at}: missing`);
    else if (!nullable) problems.push(`${at}: null, but the schema does not allow null`);
    return problems;
  }
  const want = s.type;
  const got = jsonType(value);
  if (want && !(got === want || (want === 'number' && got === 'integer'))) {
    problems.push(`${at}: ${got} ${JSON.stringify(value).slice(0, 60)}, schema says ${want}`);
    return problems;
  }
  if (s.enum && !s.enum.includes(value)) problems.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(s.enum)}`);
  if (s.format === 'date-time-rfc-2822' && !isRfc2822(value)) problems.push(`${at}: ${JSON.stringify(value)} is not an RFC 2822 date like 'Thu, 24 Aug 2023 05:01:45 +0000'`);
  if (s.pattern && typeof value === 'string') {
    if (!new RegExp(s.pattern).test(value)) problems.push(`${at}: ${JSON.stringify(value)} does not match ${s.pattern}`);
    // SIDs: the spec accepts either hex case, Twilio emits lowercase.
    const sid = /^\^(\(?[A-Z|]+\)?)\[0-9a-fA-F\]\{32\}\$$/.exec(s.pattern);
    if (sid && !new RegExp(`^${sid[1]}[0-9a-f]{32}$`).test(value)) problems.push(`${at}: SID ${value} is not prefix + 32 lowercase hex`);
  }
  if (s.format === 'uri-map' && got === 'object') {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (typeof v !== 'string' || !v.startsWith('/2010-04-01/')) problems.push(`${at}.${k}: ${JSON.stringify(v)} is not a /2010-04-01/ URI`);
    }
  }
  if (s.properties && got === 'object') {
    const obj = value as Record<string, unknown>;
    for (const [key, propSchema] of Object.entries(s.properties)) {
      const liveKey = deviations.rename?.[key] ?? key;
      const path = `${at}.${liveKey}`;
      if (!(liveKey in obj)) {
        problems.push(`${path}: missing`);
        continue;
      }
      const override = deviations.type?.[key];
      if (override) {
        const v = obj[liveKey];
        if (v !== null && jsonType(v) !== override && !(override === 'number' && jsonType(v) === 'integer')) {
          problems.push(`${path}: ${jsonType(v)}, the live API sends ${override}`);
        }
        if (v === null && !(propSchema.nullable || resolve(propSchema).nullable)) problems.push(`${path}: null, but the schema does not allow null`);
        continue;
      }
      problems.push(...shapeProblems(obj[liveKey], propSchema, nested(deviations, key), path));
    }
  }
  if (s.items && got === 'array') {
    (value as unknown[]).forEach((item, i) => problems.push(...shapeProblems(item, s.items!, deviations, `${at}[${i}]`)));
  }
  return problems;
}

/** Problems with a Twilio error body: exactly {code, message, more_info, status}, matching the HTTP status. */
export function errorBodyProblems(body: unknown, httpStatus: number): string[] {
  const problems: string[] = [];
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return [`error body is ${jsonType(body)}, not an object`];
  const b = body as Record<string, unknown>;
  const keys = Object.keys(b).sort().join(',');
  if (keys !== 'code,message,more_info,status') problems.push(`error body keys are {${keys}}, want exactly {code,message,more_info,status}`);
  if (!Number.isInteger(b.code)) problems.push(`code ${JSON.stringify(b.code)} is not an integer`);
  if (typeof b.message !== 'string' || b.message === '') problems.push(`message ${JSON.stringify(b.message)} is not a non-empty string`);
  if (b.more_info !== `https://www.twilio.com/docs/errors/${String(b.code)}`) problems.push(`more_info ${JSON.stringify(b.more_info)} is not the docs URL of code ${String(b.code)}`);
  if (b.status !== httpStatus) problems.push(`status ${JSON.stringify(b.status)} differs from the HTTP status ${httpStatus}`);
  return problems;
}
