// The typed records tandem keeps in LMDB. Times are epoch milliseconds; the API layer renders them.

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
  numberType: 'local' | 'tollFree' | 'mobile';
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
  /** Inventory facts kept so the number can go back to the inventory unchanged on release. */
  inventory: unknown;
  dateCreated: number;
  dateUpdated: number;
}
