// The parameters of the inbound-message webhook to SmsUrl, as Twilio sends them (twilio-compat §9).
import { placeParams, type NumberGeo } from '../../numbers/geo.js';
import type { MessageRecord, NumberRecord } from '../../store/records.js';
import type { KeywordKind } from './keywords.js';

export function inboundWebhookParams(m: MessageRecord, number: NumberRecord, keyword: KeywordKind | null, geo: NumberGeo): Record<string, string> {
  const to = geo.of(m.to);
  const p: Record<string, string> = {
    ...placeParams('To', to.country === '' ? { ...to, country: number.isoCountry } : to),
    ...placeParams('From', geo.of(m.from)),
    SmsMessageSid: m.sid,
    NumMedia: String(m.numMedia),
    SmsSid: m.sid,
    SmsStatus: 'received',
    Body: m.body,
    To: m.to,
    NumSegments: String(m.numSegments),
    MessageSid: m.sid,
    AccountSid: m.accountSid,
    From: m.from,
    ApiVersion: '2010-04-01',
  };
  if (number.messagingServiceSid) p.MessagingServiceSid = number.messagingServiceSid;
  if (keyword !== null) p.OptOutType = keyword;
  return p;
}
