// The parameters of the inbound-message webhook to SmsUrl, as Twilio sends them (twilio-compat §9).
import type { MessageRecord, NumberRecord } from '../../store/records.js';
import type { KeywordKind } from './keywords.js';

export function inboundWebhookParams(m: MessageRecord, number: NumberRecord, keyword: KeywordKind | null): Record<string, string> {
  const p: Record<string, string> = {
    ToCountry: number.isoCountry,
    ToState: '',
    SmsMessageSid: m.sid,
    NumMedia: String(m.numMedia),
    ToCity: '',
    FromZip: '',
    SmsSid: m.sid,
    FromState: '',
    SmsStatus: 'received',
    FromCity: '',
    Body: m.body,
    FromCountry: '',
    To: m.to,
    ToZip: '',
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
