// Twilio's Lookup API (lookups.twilio.com, which the official clients reach at tandem's address like every other
// Twilio host): v2 `GET /v2/PhoneNumbers/{PhoneNumber}` and v1 `GET /v1/PhoneNumbers/{PhoneNumber}`, the free
// formatting and validation (src/numbers/lookup.ts). The paid data packages (v2 Fields, v1 Type) need carrier and
// CNAM data tandem does not have: each one asked for comes back as Twilio reports a package it cannot fill, its
// fields null and error_code 60600 ("unprovisioned or out of coverage").
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from './deps.js';
import { isLookupCountry, lookupNumber, type NumberLookup } from '../numbers/lookup.js';
import { badRequest, notFound } from './errors.js';
import { list, str, type RawParams } from './params.js';

const UNAVAILABLE = 60600;

/** v2's data packages (Fields) and the fields of each, all null when tandem cannot fill them. */
const V2_PACKAGES: Readonly<Record<string, readonly string[]>> = {
  caller_name: ['caller_name', 'caller_type'],
  sim_swap: ['last_sim_swap', 'carrier_name', 'mobile_country_code', 'mobile_network_code'],
  call_forwarding: ['call_forwarding_enabled'],
  line_status: ['status'],
  line_type_intelligence: ['carrier_name', 'mobile_country_code', 'mobile_network_code', 'type'],
  identity_match: ['first_name_match', 'last_name_match', 'address_lines_match', 'city_match', 'state_match', 'postal_code_match', 'address_country_match', 'national_id_match', 'date_of_birth_match', 'summary_score', 'error_message'],
  reassigned_number: ['last_verified_date', 'is_number_reassigned'],
  sms_pumping_risk: ['carrier_risk_category', 'number_blocked', 'number_blocked_date', 'number_blocked_last_3_months', 'sms_pumping_risk_score'],
  phone_number_quality_score: [],
  pre_fill: [],
};

const V1_TYPES: Readonly<Record<string, { key: string; fields: readonly string[] }>> = {
  carrier: { key: 'carrier', fields: ['mobile_country_code', 'mobile_network_code', 'name', 'type'] },
  'caller-name': { key: 'caller_name', fields: ['caller_name', 'caller_type'] },
};

const unavailable = (fields: readonly string[]): Record<string, unknown> => ({ ...Object.fromEntries(fields.map((f) => [f, null])), error_code: UNAVAILABLE });

export function registerLookupRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const base = deps.config.publicUrl;

  const lookup = (raw: string, q: RawParams): NumberLookup => {
    const country = str(q, 'CountryCode') || 'US';
    if (!isLookupCountry(country)) throw badRequest(60200, `Invalid parameter CountryCode: '${country}' is not an ISO 3166-1 alpha-2 country code.`);
    return lookupNumber(raw, country);
  };

  app.get('/v2/PhoneNumbers/:PhoneNumber', async (req) => {
    const q = req.query as RawParams;
    const raw = (req.params as { PhoneNumber: string }).PhoneNumber;
    const r = lookup(raw, q);
    const fields = (str(q, 'Fields') ?? '').split(',').map((f) => f.trim()).filter((f) => f !== '');
    for (const f of fields) if (!(f in V2_PACKAGES)) throw badRequest(60200, `Invalid parameter Fields: '${f}' is not a Lookup data package.`);
    const packages = Object.fromEntries(
      Object.entries(V2_PACKAGES).map(([name, packageFields]) => [name, fields.includes(name) && r.valid ? unavailable(packageFields) : null]),
    );
    return {
      calling_country_code: r.callingCountryCode,
      country_code: r.countryCode,
      phone_number: r.phoneNumber,
      national_format: r.nationalFormat,
      valid: r.valid,
      validation_errors: r.validationErrors,
      ...packages,
      url: `${base}/v2/PhoneNumbers/${encodeURIComponent(r.phoneNumber)}`,
    };
  });

  // v1 answers only valid numbers (404 otherwise), as Twilio's does.
  app.get('/v1/PhoneNumbers/:PhoneNumber', async (req) => {
    const q = req.query as RawParams;
    const raw = (req.params as { PhoneNumber: string }).PhoneNumber;
    const r = lookup(raw, q);
    if (!r.valid || r.countryCode === null) throw notFound(`The requested resource /PhoneNumbers/${raw} was not found`);
    const types = list(q, 'Type');
    for (const t of types) if (!(t in V1_TYPES)) throw badRequest(20001, `Invalid parameter Type: '${t}' is not carrier or caller-name.`);
    const body: Record<string, unknown> = {
      caller_name: null,
      carrier: null,
      country_code: r.countryCode,
      phone_number: r.phoneNumber,
      national_format: r.nationalFormat,
      add_ons: null,
      url: `${base}/v1/PhoneNumbers/${encodeURIComponent(r.phoneNumber)}`,
    };
    for (const t of types) body[V1_TYPES[t]!.key] = unavailable(V1_TYPES[t]!.fields);
    return body;
  });
}
