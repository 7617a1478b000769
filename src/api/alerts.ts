// /v1/Alerts (Twilio's Monitor API, monitor.twilio.com; the official client's monitor.v1.alerts): the account's
// notifications (src/notifications/) the way the Console's debugger and error-polling code read them: log levels
// by name, ISO 8601 dates, the v1 `meta` paging envelope, newest first.
import type { FastifyInstance } from 'fastify';
import type { RouteModule } from './app.js';
import type { NotificationRecord } from '../store/records.js';
import type { Notifications } from '../notifications/notifications.js';
import { isoSeconds } from '../util/time.js';
import { badRequest, notFound } from './errors.js';
import { str, type RawParams } from './params.js';
import { pageEnvelopeV1, parsePageRequest, scanPage } from './paging.js';

const LEVELS = ['error', 'warning'] as const;

function alertJson(n: NotificationRecord, base: string, full: boolean): Record<string, unknown> {
  const json: Record<string, unknown> = {
    account_sid: n.accountSid,
    alert_text: n.messageText,
    api_version: '2010-04-01',
    date_created: isoSeconds(n.dateCreated),
    date_generated: isoSeconds(n.messageDate),
    date_updated: isoSeconds(n.dateUpdated),
    error_code: String(n.errorCode),
    log_level: LEVELS[n.log],
    more_info: `https://www.twilio.com/docs/errors/${n.errorCode}`,
    request_method: n.requestMethod,
    request_url: n.requestUrl,
    resource_sid: n.callSid ?? n.messageSid,
    service_sid: null,
    sid: n.sid,
    url: `${base}/v1/Alerts/${n.sid}`,
  };
  if (full) {
    json.request_variables = n.requestVariables;
    json.request_headers = null;
    json.response_body = n.responseBody;
    json.response_headers = n.responseHeaders;
  }
  return json;
}

/** StartDate / EndDate: a day (YYYY-MM-DD, the whole of it) or a moment in ISO 8601. */
function dateBound(q: RawParams, name: 'StartDate' | 'EndDate'): number | undefined {
  const v = str(q, name);
  if (v === undefined || v === '') return undefined;
  const day = /^\d{4}-\d{2}-\d{2}$/.test(v);
  const t = Date.parse(day ? `${v}T00:00:00Z` : v);
  if (Number.isNaN(t) || !/^\d{4}-\d{2}-\d{2}/.test(v)) throw badRequest(20001, `${name} must be an ISO 8601 date or date-time, got '${v}'`);
  return name === 'EndDate' && day ? t + 86_400_000 - 1 : t;
}

export function alertRoutes(notifications: Notifications): RouteModule {
  return (app: FastifyInstance, deps) => {
    const base = deps.config.publicUrl;

    app.get('/v1/Alerts', async (req) => {
      const q = req.query as RawParams;
      const page = parsePageRequest(q);
      const levelRaw = str(q, 'LogLevel');
      if (levelRaw !== undefined && levelRaw !== '' && !['error', 'warning', 'notice', 'debug'].includes(levelRaw)) {
        throw badRequest(20001, `LogLevel must be error, warning, notice or debug, got '${levelRaw}'`);
      }
      const start = dateBound(q, 'StartDate');
      const end = dateBound(q, 'EndDate');
      const accept = (n: NotificationRecord) =>
        (levelRaw === undefined || levelRaw === '' || LEVELS[n.log] === levelRaw) &&
        (start === undefined || n.messageDate >= start) &&
        (end === undefined || n.messageDate <= end);
      const sid = req.account.sid;
      const { records, nextAfter } = scanPage(deps.tables.notificationsByAccount, [sid, -Infinity, ''], [sid, Infinity, ''], page, (id) => notifications.get(id), accept);
      return pageEnvelopeV1('alerts', base, '/v1/Alerts', page, records.map((n) => alertJson(n, base, false)), nextAfter);
    });

    app.get('/v1/Alerts/:Sid', async (req) => {
      const sid = (req.params as { Sid: string }).Sid;
      const n = notifications.get(sid);
      if (!n || n.accountSid !== req.account.sid) throw notFound(`The requested resource /Alerts/${sid} was not found`);
      return alertJson(n, base, true);
    });
  };
}
