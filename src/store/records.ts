// The typed records tandem keeps in LMDB. Times are epoch milliseconds; the API layer renders them.

import type { RecordingEvent } from '../../protocols/twiml/index.js';
import type { AnsweredBy, MachineDetectionSettings } from '../voice/machine-detection.js';
export type AccountStatus = 'active' | 'suspended' | 'closed';

export interface AccountRecord {
  sid: string;
  authToken: string;
  friendlyName: string;
  status: AccountStatus;
  type: 'Trial' | 'Full';
  ownerAccountSid: string;
  dateCreated: number;
  dateUpdated: number;
}

/** A standard API key: its secret is shown once, at creation; only its SHA-256 is kept. */
export interface ApiKeyRecord {
  sid: string;
  accountSid: string;
  friendlyName: string;
  /** Hex SHA-256 of the secret. */
  secretHash: string;
  dateCreated: number;
  dateUpdated: number;
}

/** A Messaging Service (MG…, Twilio's Messaging v1 API): a pool of senders and the inbound and status settings they share. */
export interface MessagingServiceRecord {
  sid: string;
  accountSid: string;
  friendlyName: string;
  /** Where the senders' inbound texts go, unless useInboundWebhookOnNumber. */
  inboundRequestUrl: string | null;
  inboundMethod: HttpMethod;
  fallbackUrl: string | null;
  fallbackMethod: HttpMethod;
  /** Status callback of messages sent through the service that name none of their own. */
  statusCallback: string | null;
  /** The same sender for the same recipient every time. */
  stickySender: boolean;
  useInboundWebhookOnNumber: boolean;
  /** Seconds a message sent through the service may wait in its sender's queue (when the request gives none). */
  validityPeriod: number;
  /** Look-alike Unicode sent as GSM-7 (Twilio's Smart Encoding). Absent in services stored before tandem had it: off. */
  smartEncoding?: boolean;
  /** Its alphanumeric sender ID (AI…), at most one as on Twilio; absent or null for none. */
  alphaSender?: AlphaSenderRecord | null;
  /**
   * Alphanumeric sender IDs for destinations (DestinationAlphaSenders, AI…): one per country, and one with no
   * country for any; they come before `alphaSender`. Absent in services stored before tandem had them.
   */
  destinationAlphaSenders?: DestinationAlphaSenderRecord[];
  dateCreated: number;
  dateUpdated: number;
}

export interface AlphaSenderRecord {
  sid: string;
  alphaSender: string;
  dateCreated: number;
}

export interface DestinationAlphaSenderRecord extends AlphaSenderRecord {
  /** ISO 3166-1 alpha-2 of the destinations it sends to; null for every country without one of its own. */
  isoCountryCode: string | null;
}

/** A call queue (QU…): named per account, created by the Queues API or on demand by <Enqueue>. Its callers are live state. */
export interface QueueRecord {
  sid: string;
  accountSid: string;
  /** The name <Enqueue> and <Dial><Queue> use: unique in the account, 1–64 characters. */
  friendlyName: string;
  /** Callers it holds at most (1–5000, default 1000). */
  maxSize: number;
  dateCreated: number;
  dateUpdated: number;
}

export type ConferenceStatus = 'init' | 'in-progress' | 'completed';

/** A conference room (CF…): one per <Dial><Conference> name while it lasts; kept once completed, as Twilio keeps them. */
export interface ConferenceRecord {
  sid: string;
  accountSid: string;
  friendlyName: string;
  status: ConferenceStatus;
  /** Why it ended (Twilio's reason_conference_ended), once completed. */
  reasonConferenceEnded: 'conference-ended-via-api' | 'participant-with-end-conference-on-exit-left' | 'participant-with-end-conference-on-exit-kicked' | 'last-participant-left' | 'last-participant-kicked' | null;
  callSidEndingConference: string | null;
  dateCreated: number;
  dateUpdated: number;
}

/** A TwiML application (AP…): a set of URLs that numbers, API calls and API messages can point at by its SID. */
export interface ApplicationRecord {
  sid: string;
  accountSid: string;
  friendlyName: string;
  apiVersion: string;
  voiceUrl: string | null;
  voiceMethod: HttpMethod;
  voiceFallbackUrl: string | null;
  voiceFallbackMethod: HttpMethod;
  statusCallback: string | null;
  statusCallbackMethod: HttpMethod;
  voiceCallerIdLookup: boolean;
  smsUrl: string | null;
  smsMethod: HttpMethod;
  smsFallbackUrl: string | null;
  smsFallbackMethod: HttpMethod;
  /** Twilio keeps it on the resource; tandem stores and shows it (inbound texts have no status callback). */
  smsStatusCallback: string | null;
  /** Where messages sent with this ApplicationSid report their status. */
  messageStatusCallback: string | null;
  publicApplicationConnectEnabled: boolean;
  dateCreated: number;
  dateUpdated: number;
}

export type HttpMethod = 'GET' | 'POST';
export type SenderClass = 'long_code' | 'toll_free' | 'short_code';

export interface NumberCapabilities {
  voice: boolean;
  sms: boolean;
  mms: boolean;
  fax: boolean;
}

/** A provisioned phone number (an IncomingPhoneNumber). */
export interface NumberRecord {
  sid: string;
  accountSid: string;
  phoneNumber: string;
  friendlyName: string;
  isoCountry: string;
  /** A short code (SC…, `phoneNumber` its digits) is the account's as its carrier leased it, not from the inventory. */
  numberType: 'local' | 'tollFree' | 'mobile' | 'shortCode';
  senderClass: SenderClass;
  /** Segments per second; null = the sender class's default. */
  rateOverride: number | null;
  capabilities: NumberCapabilities;
  addressRequirements: string;
  smsUrl: string | null;
  smsMethod: HttpMethod;
  smsFallbackUrl: string | null;
  smsFallbackMethod: HttpMethod;
  voiceUrl: string | null;
  voiceMethod: HttpMethod;
  voiceFallbackUrl: string | null;
  voiceFallbackMethod: HttpMethod;
  statusCallback: string | null;
  statusCallbackMethod: HttpMethod;
  voiceCallerIdLookup: boolean;
  /** An application (AP…) whose SMS URLs answer this number's texts instead of its own; absent in older records. */
  smsApplicationSid?: string | null;
  /** An application whose voice URLs and status callback answer this number's calls instead of its own. */
  voiceApplicationSid?: string | null;
  /** Never stored: set in the number's view (NumberDirectory) when it is a sender of a Messaging Service. */
  messagingServiceSid?: string;
  /** The end user's address (AD…) a regulator asks for (address_requirements); absent in older records. */
  addressSid?: string | null;
  /** Inventory facts kept so the number can go back to the inventory unchanged on release. */
  inventory: unknown;
  dateCreated: number;
  dateUpdated: number;
}

export type MessageStatus =
  | 'accepted'
  | 'scheduled'
  | 'canceled'
  | 'queued'
  | 'sending'
  | 'sent'
  | 'delivered'
  | 'undelivered'
  | 'failed'
  | 'receiving'
  | 'received';

export type MessageDirection = 'inbound' | 'outbound-api' | 'outbound-call' | 'outbound-reply';

export interface MessageRecord {
  sid: string;
  accountSid: string;
  from: string;
  to: string;
  body: string;
  status: MessageStatus;
  direction: MessageDirection;
  numSegments: number;
  numMedia: number;
  errorCode: number | null;
  errorMessage: string | null;
  statusCallback: string | null;
  statusCallbackMethod: HttpMethod;
  /** The Messaging Service (MG…) it was sent with, or whose number received it. */
  messagingServiceSid: string | null;
  /** Queued longer than this (ms after creation) and it fails with 30001 instead of being sent. */
  validityMs: number;
  sendAt: number | null;
  /** Position in its sender's FIFO (outbound only). */
  seq: number | null;
  /** Carrier message ids, one per submitted segment. */
  carrierIds: string[];
  segmentsDelivered: number;
  rawDlrDoneDate: string | null;
  dateCreated: number;
  dateUpdated: number;
  dateSent: number | null;
}

/** One stored part of a concatenated inbound message, kept until its message is complete or times out. */
export interface MoPartRecord {
  carrier: string;
  from: string;
  to: string;
  ref: number;
  total: number;
  seq: number;
  text: string;
  /** When the first part of this message arrived (the reassembly timeout counts from here). */
  firstAt: number;
  at: number;
}

/** An inbound message whose webhook has not finished yet (resumed after a restart). */
export interface InboundPendingRecord {
  /** The number that received it: the actor that owns the webhook. */
  to: string;
  /** The opt-out/opt-in/help keyword was already acted on (so a resume does not reply twice). */
  keywordDone: boolean;
}

/** A Notification: an error or warning the account's owner must see (Twilio's Notifications resource). */
export interface NotificationRecord {
  sid: string;
  accountSid: string;
  callSid: string | null;
  /** The message the problem was about, when there is one. */
  messageSid: string | null;
  errorCode: number;
  /** 0 error, 1 warning. */
  log: 0 | 1;
  messageText: string;
  requestMethod: HttpMethod | null;
  requestUrl: string | null;
  requestVariables: string | null;
  responseBody: string | null;
  responseHeaders: string | null;
  messageDate: number;
  dateCreated: number;
  dateUpdated: number;
}

export type CallStatus = 'queued' | 'ringing' | 'in-progress' | 'completed' | 'busy' | 'failed' | 'no-answer' | 'canceled';
export type CallDirection = 'inbound' | 'outbound-api' | 'outbound-dial';
export type CallEvent = 'initiated' | 'ringing' | 'answered' | 'completed';

/** A call leg (Twilio's Call resource) plus what tandem needs to run it. */
export interface CallRecord {
  sid: string;
  accountSid: string;
  parentCallSid: string | null;
  from: string;
  to: string;
  /** The tandem number the call reached (inbound) or was placed from, when there is one. */
  phoneNumberSid: string | null;
  status: CallStatus;
  direction: CallDirection;
  /** Where the first document comes from: a URL (with method/fallback) or inline TwiML. */
  url: string | null;
  method: HttpMethod;
  fallbackUrl: string | null;
  fallbackMethod: HttpMethod;
  twiml: string | null;
  statusCallback: string | null;
  statusCallbackMethod: HttpMethod;
  statusCallbackEvents: CallEvent[];
  /** Seconds to ring an outbound call before giving up (no-answer). */
  timeoutS: number;
  sendDigits: string | null;
  /** Longest the call may last once answered, seconds. */
  timeLimitS: number;
  /** Calls API `Record=true`: the whole call (both directions) is recorded from the answer; absent on older records. */
  recording?: { statusCallback: string | null; statusCallbackMethod: HttpMethod; statusCallbackEvents: RecordingEvent[] } | null;
  /** Calls API `MachineDetection`: listen after the answer before fetching the TwiML; absent on older records. */
  machineDetection?: MachineDetectionSettings | null;
  /** `AsyncAmd=true`: the TwiML runs at once, detection beside it, its decision sent here (url null: only recorded). */
  asyncAmd?: { statusCallback: string | null; statusCallbackMethod: HttpMethod } | null;
  /** What machine detection decided (Twilio's answered_by / AnsweredBy); absent when it did not run. */
  answeredBy?: AnsweredBy | null;
  /** SIP Call-ID of this leg, once known. */
  sipCallId: string | null;
  /** An inbound call through a SIP domain: where from (absent on other calls). */
  sipDomain?: SipCallOrigin | null;
  /** Milliseconds the call waited in the account's outbound queue. */
  queueTimeMs: number | null;
  startTime: number | null;
  endTime: number | null;
  /** Whole seconds between answer and end; null until the call completes. */
  duration: number | null;
  dateCreated: number;
  dateUpdated: number;
}

/** A Verify service (VA…): what its one-time codes look like and where they are sent from (src/verify/). */
export interface VerifyServiceRecord {
  sid: string;
  accountSid: string;
  /** Named in the text: "Your {friendlyName} verification code is: 123456". */
  friendlyName: string;
  /** Digits per code, 4 to 10. */
  codeLength: number;
  /** Whether a verification may bring its own CustomCode. */
  customCodeEnabled: boolean;
  /** A Messaging Service per destination country (ISO 3166-1 alpha-2, or `all`) that sends the codes. */
  messagingConfigurations: { country: string; messagingServiceSid: string; dateCreated: number; dateUpdated: number }[];
  dateCreated: number;
  dateUpdated: number;
}

export type VerifyChannel = 'sms' | 'call';

export type VerificationStatus = 'pending' | 'approved' | 'canceled' | 'max_attempts_reached' | 'expired';

/** One verification (VE…): a code sent to `to`, pending until checked right, canceled or ten minutes old. */
export interface VerificationRecord {
  sid: string;
  serviceSid: string;
  accountSid: string;
  to: string;
  /** The channel of its latest send. */
  channel: VerifyChannel;
  status: VerificationStatus;
  /** The code while it may still be checked (a resend sends the same one, as on Twilio); null once it is done. */
  code: string | null;
  checkAttempts: number;
  /** Each send: its text's MessageSid or its call's CallSid. */
  sendCodeAttempts: { attemptSid: string; channel: VerifyChannel; time: number; messageSid: string }[];
  expiresAt: number;
  dateCreated: number;
  dateUpdated: number;
}

/** An end user's address (AD…), which regulators require for some numbers (address_requirements any / local / foreign). */
export interface AddressRecord {
  sid: string;
  accountSid: string;
  customerName: string;
  friendlyName: string | null;
  street: string;
  streetSecondary: string | null;
  city: string;
  region: string;
  postalCode: string;
  /** ISO 3166-1 alpha-2. */
  isoCountry: string;
  emergencyEnabled: boolean;
  dateCreated: number;
  dateUpdated: number;
}

// ---- SIP Domains: SIP endpoints (softphones, PBXs) that register with tandem and call through it ----

/** A credential list (CL…): usernames and passwords a SIP domain checks INVITEs and REGISTERs against. */
export interface SipCredentialListRecord {
  sid: string;
  accountSid: string;
  friendlyName: string;
  dateCreated: number;
  dateUpdated: number;
}

/** A credential (CR…) of a list: the password is kept (digest authentication needs it), never shown. */
export interface SipCredentialRecord {
  sid: string;
  accountSid: string;
  credentialListSid: string;
  /** Unique in its list, up to 32 characters. */
  username: string;
  password: string;
  dateCreated: number;
  dateUpdated: number;
}

/** An IP access control list (AL…): source addresses a SIP domain takes INVITEs from without a password. */
export interface SipIpAccessControlListRecord {
  sid: string;
  accountSid: string;
  friendlyName: string;
  dateCreated: number;
  dateUpdated: number;
}

/** An address (IP…) of an IP access control list: an IPv4 address and its CIDR prefix length (32: that one host). */
export interface SipIpAddressRecord {
  sid: string;
  accountSid: string;
  ipAccessControlListSid: string;
  friendlyName: string;
  ipAddress: string;
  cidrPrefixLength: number;
  dateCreated: number;
  dateUpdated: number;
}

/** A SIP domain (SD…): INVITEs whose request URI names it run its VoiceUrl; its endpoints may register with it. */
export interface SipDomainRecord {
  sid: string;
  accountSid: string;
  /** The host part SIP endpoints address (lower case), unique across the node. */
  domainName: string;
  friendlyName: string;
  voiceUrl: string | null;
  voiceMethod: HttpMethod;
  voiceFallbackUrl: string | null;
  voiceFallbackMethod: HttpMethod;
  voiceStatusCallbackUrl: string | null;
  voiceStatusCallbackMethod: HttpMethod;
  /** Whether endpoints may REGISTER (against the domain's registrations credential lists). */
  sipRegistration: boolean;
  emergencyCallingEnabled: boolean;
  secure: boolean;
  byocTrunkSid: string | null;
  emergencyCallerSid: string | null;
  dateCreated: number;
  dateUpdated: number;
}

/**
 * A list mapped to a domain. `calls-credentials` and `calls-ip` authenticate the domain's INVITEs (the legacy
 * `/CredentialListMappings` and `/IpAccessControlListMappings` are these too); `registrations-credentials` its REGISTERs.
 */
export type SipMappingKind = 'calls-credentials' | 'calls-ip' | 'registrations-credentials';

export interface SipMappingRecord {
  domainSid: string;
  kind: SipMappingKind;
  /** The CL… or AL… mapped; Twilio shows it as the mapping's own sid. */
  listSid: string;
  accountSid: string;
  dateCreated: number;
  dateUpdated: number;
}

/** Where a call that came in through a SIP domain came from: Twilio's SipDomain… parameters on its webhooks. */
export interface SipCallOrigin {
  domainSid: string;
  domainName: string;
  /** The credential's username when the INVITE was let in by a digest; null when by its source address. */
  username: string | null;
  sourceIp: string;
  sourcePort: number;
  /** The INVITE's X- headers (SipHeader_X-… on the webhooks). */
  headers: Record<string, string>;
}

/** A binding of a registered endpoint: where INVITEs for username@domain go until it expires. */
export interface SipRegistrationRecord {
  domainSid: string;
  username: string;
  /** The Contact URI the endpoint registered. */
  contact: string;
  /** Where the REGISTER came from (a NATed endpoint is reached there, not at its Contact's host). */
  sourceAddress: string;
  sourcePort: number;
  protocol: string;
  callId: string;
  expiresAt: number;
  userAgent: string | null;
  dateCreated: number;
  dateUpdated: number;
}
