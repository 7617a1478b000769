// A send naming a Messaging Service (the Messages API's MessagingServiceSid, a Verify service's messaging
// configuration): the service picks the sender when From is absent (a From given wins, as on Twilio), and its status
// callback, validity period and Smart Encoding stand in for those the request leaves out.
import { badRequest } from '../api/errors.js';
import type { NumberGeo } from '../numbers/geo.js';
import { alphaReaches } from './alpha-sender.js';
import type { OutboundRequest, ParsedOutbound } from './send.js';
import type { MessagingServices } from './services.js';

export function throughService(p: ParsedOutbound, accountSid: string, services: MessagingServices, geo: NumberGeo): OutboundRequest {
  // Without a service parseOutbound has made sure of From: the request goes on as parsed, with no copy per message.
  if (p.messagingServiceSid === null) return p as OutboundRequest;
  const { validityGiven, messagingServiceSid, from, ...rest } = p;
  const service = services.of(accountSid, messagingServiceSid);
  if (!service) throw badRequest(21701, `The Messaging Service ${messagingServiceSid} does not exist or is not this account's.`);
  // The service's alpha sender where the destination allows one (not North America), else a number of its pool.
  const countryOf = (to: string) => geo.of(to).country;
  const alpha = from === null && alphaReaches(p.to) ? services.alphaSenderFor(service, p.to, countryOf) : undefined;
  const sender = from ?? alpha ?? services.pickSender(service, p.to, countryOf)?.phoneNumber;
  if (sender === undefined) throw badRequest(21703, `The Messaging Service ${service.sid} has no phone number to send from.`);
  return {
    ...rest,
    from: sender,
    messagingServiceSid: service.sid,
    statusCallback: rest.statusCallback ?? service.statusCallback,
    validityS: validityGiven ? rest.validityS : service.validityPeriod,
    smartEncoded: rest.smartEncoded ?? service.smartEncoding ?? false,
  };
}
