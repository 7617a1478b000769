// /2010-04-01/Accounts/{AccountSid}/Notifications: the account's errors and warnings, newest first, and one by one.
import { dateFilter, echoFilters } from './date-filter.js';
import type { FastifyInstance } from 'fastify';
import type { RouteModule } from './app.js';
import type { NotificationRecord } from '../store/records.js';
import type { Notifications } from '../notifications/notifications.js';
import { rfc2822 } from '../util/time.js';
import { badRequest, notFound } from './errors.js';
import { str, type RawParams } from './params.js';
import { pageEnvelope, parsePageRequest, scanPage } from './paging.js';

/** The list shows the summary; a fetch adds what was sent and received (Twilio's notification-instance). */
export function notificationJson(n: NotificationRecord, full: boolean): Record<string, unknown> {
  const json: Record<string, unknown> = {
    account_sid: n.accountSid,
    api_version: '2010-04-01',
    call_sid: n.callSid,
    date_created: rfc2822(n.dateCreated),
    date_updated: rfc2822(n.dateUpdated),
    error_code: String(n.errorCode),
    log: String(n.log),
    message_date: rfc2822(n.messageDate),
    message_text: n.messageText,
    more_info: `https://www.twilio.com/docs/errors/${n.errorCode}`,
    request_method: n.requestMethod,
    request_url: n.requestUrl,
    sid: n.sid,
    uri: `/2010-04-01/Accounts/${n.accountSid}/Notifications/${n.sid}.json`,
  };
  if (full) {
    json.request_variables = n.requestVariables;
    json.response_body = n.responseBody;
    json.response_headers = n.responseHeaders;
  }
  return json;
}


export function notificationRoutes(notifications: Notifications): RouteModule {
  return (app: FastifyInstance, deps) => {
    const base = '/2010-04-01/Accounts/:AccountSid/Notifications';

    app.get(`${base}.json`, async (req) => {
      const q = req.query as RawParams;
      const page = parsePageRequest(q);
      const logRaw = str(q, 'Log');
      let log: number | undefined;
      if (logRaw !== undefined && logRaw !== '') {
        if (logRaw !== '0' && logRaw !== '1') throw badRequest(21000, `Log must be 0 (error) or 1 (warning), got '${logRaw}'`);
        log = Number(logRaw);
      }
      const dateOk = dateFilter(q, 'MessageDate');
      const accept = (n: NotificationRecord) => (log === undefined || n.log === log) && dateOk(n.messageDate);
      const sid = req.account.sid;
      const { records, nextAfter } = scanPage(
        deps.tables.notificationsByAccount,
        [sid, -Infinity, ''],
        [sid, Infinity, ''],
        page,
        (id) => notifications.get(id),
        accept,
      );
      const filters = echoFilters(q, ['Log', 'MessageDate', 'MessageDate<', 'MessageDate>']);
      return pageEnvelope(
        'notifications',
        `/2010-04-01/Accounts/${sid}/Notifications.json`,
        filters,
        page,
        records.map((n) => notificationJson(n, false)),
        nextAfter,
      );
    });

    app.get(`${base}/:Sid.json`, async (req) => {
      const sid = (req.params as { Sid: string }).Sid;
      const n = notifications.get(sid);
      if (!n || n.accountSid !== req.account.sid) {
        throw notFound(`The requested resource /2010-04-01/Accounts/${req.account.sid}/Notifications/${sid}.json was not found`);
      }
      return notificationJson(n, true);
    });
  };
}
