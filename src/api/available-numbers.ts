// /2010-04-01/Accounts/{AccountSid}/AvailablePhoneNumbers: the inventory, searched the way Twilio's is.
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from './deps.js';
import { countryToApiJson, numberTypeOfPath, parseSearchQuery, toApiJson } from '../inventory/index.js';
import { ApiError, notFound } from './errors.js';
import type { RawParams } from './params.js';

export function registerAvailableNumberRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const base = '/2010-04-01/Accounts/:AccountSid/AvailablePhoneNumbers';
  const inv = deps.inventory;

  app.get(`${base}.json`, async (req) => ({
    countries: inv.countries().map((c) => countryToApiJson(c, req.account.sid)),
    uri: `/2010-04-01/Accounts/${req.account.sid}/AvailablePhoneNumbers.json`,
  }));

  app.get(`${base}/:Country.json`, async (req) => {
    const code = (req.params as { Country: string }).Country.toUpperCase();
    const c = inv.countries().find((x) => x.countryCode === code);
    if (!c) throw notFound(`No phone numbers are available in country ${code}`);
    return countryToApiJson(c, req.account.sid);
  });

  app.get(`${base}/:Country/:Type`, async (req) => {
    const params = req.params as { Country: string; Type: string };
    const code = params.Country.toUpperCase();
    const type = params.Type.endsWith('.json') ? numberTypeOfPath(params.Type) : undefined;
    const c = inv.countries().find((x) => x.countryCode === code);
    if (!type || !c || !c.types.includes(type)) {
      throw notFound(`The requested resource ${req.url.split('?')[0]} was not found`);
    }
    const parsed = parseSearchQuery(code, type, req.query as RawParams);
    if (!parsed.ok) throw new ApiError(parsed.status, parsed.code, parsed.message);
    const found = inv.search(parsed.query).map(toApiJson);
    // The spec's list schema names the paging keys too. A search is always one page: next_page_uri stays null,
    // so SDKs stop after it, as they do against Twilio.
    return {
      available_phone_numbers: found,
      uri: req.url,
      first_page_uri: req.url,
      next_page_uri: null,
      previous_page_uri: null,
      page: 0,
      page_size: parsed.query.pageSize,
      start: 0,
      end: Math.max(found.length - 1, 0),
    };
  });
}
