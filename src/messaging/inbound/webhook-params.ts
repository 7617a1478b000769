// The parameters of the inbound-message webhook to SmsUrl, as Twilio sends them (twilio-compat §9).
import { putPlace, type NumberGeo } from '../../numbers/geo.js';
import type { MessageRecord, NumberRecord } from '../../store/records.js';
import type { KeywordKind } from './keywords.js';

export function inboundWebhookParams(m: MessageRecord, number: NumberRecord, keyword: KeywordKind | null, geo: NumberGeo): Record<string, string> {
  const p: Record<string, string> = {
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
  putPlace(p, 'To', geo.of(m.to), number.isoCountry);
  putPlace(p, 'From', geo.of(m.from));
  if (number.messagingServiceSid) p.MessagingServiceSid = number.messagingServiceSid;
  if (keyword !== null) p.OptOutType = keyword;
  return p;
}
