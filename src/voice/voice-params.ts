// The parameters Twilio sends on every voice request (twilio-compat §10), from a call record.
import { putPlace, type NumberGeo } from '../numbers/geo.js';
import type { CallRecord, SipCallOrigin } from '../store/records.js';

export function voiceParams(c: CallRecord, geo: NumberGeo): Record<string, string> {
  const from = geo.of(c.from);
  const to = geo.of(c.to);
  const p: Record<string, string> = {
    CallSid: c.sid,
    AccountSid: c.accountSid,
    From: c.from,
    To: c.to,
    Caller: c.from,
    Called: c.to,
    CallStatus: c.status,
    Direction: c.direction,
    ApiVersion: '2010-04-01',
  };
  // Where each side is, under both names (Caller… and Called… are the 2008 API's, still sent).
  putPlace(p, 'From', from);
  putPlace(p, 'Caller', from);
  putPlace(p, 'To', to);
  putPlace(p, 'Called', to);
  if (c.parentCallSid) p.ParentCallSid = c.parentCallSid;
  if (c.answeredBy) p.AnsweredBy = c.answeredBy;
  if (c.sipDomain) putSipOrigin(p, c, c.sipDomain);
  return p;
}

/** Twilio's parameters for a call that came in through a SIP domain. */
function putSipOrigin(p: Record<string, string>, c: CallRecord, o: SipCallOrigin): void {
  p.SipDomain = o.domainName;
  p.SipDomainSid = o.domainSid;
  if (c.sipCallId) p.SipCallId = c.sipCallId;
  p.SipSourceIp = o.sourceIp;
  p.SipSourcePort = String(o.sourcePort);
  if (o.username !== null) p.SipUsername = o.username;
  for (const [name, value] of Object.entries(o.headers)) p[`SipHeader_${name}`] = value;
}

/** "(415) 555-1212" for NANP numbers, the number itself otherwise (Twilio's to_formatted / from_formatted). */
export function formatNumber(e164: string): string {
  const m = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(e164);
  return m ? `(${m[1]}) ${m[2]}-${m[3]}` : e164;
}
