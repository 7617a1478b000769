export type NumberType = 'local' | 'tollFree' | 'mobile';
export type CountryCode = 'US' | 'CA' | 'GB';
export type SenderClass = 'long_code' | 'toll_free' | 'short_code';
export type AddressRequirements = 'none' | 'any' | 'local' | 'foreign';

export interface Capabilities {
  voice: boolean;
  sms: boolean;
  mms: boolean;
  fax: boolean;
}

/** One available number, with the fields Twilio's AvailablePhoneNumber resource carries (snake_case). */
export interface AvailableNumber {
  phone_number: string;
  friendly_name: string;
  iso_country: CountryCode;
  type: NumberType;
  region: string | null;
  locality: string | null;
  postal_code: string | null;
  rate_center: string | null;
  lata: string | null;
  latitude: number | null;
  longitude: number | null;
  capabilities: Capabilities;
  address_requirements: AddressRequirements;
  beta: boolean;
  sender_class: SenderClass;
}

/**
 * A run of numbers sharing their first six national digits (NPA-NXX in North America, area code plus
 * exchange in GB), all tied to one locality/rate center and served by one carrier profile, so they share
 * capabilities and address rules. Every search filter except Contains and InPostalCode resolves on blocks.
 */
export interface Block {
  /** Index key prefix: country + type letter + the block's six national digits. */
  key: string;
  country: CountryCode;
  type: NumberType;
  /** Six leading digits of the national number. */
  prefix: string;
  region: string | null;
  locality: string | null;
  rateCenter: string | null;
  lata: string | null;
  latitude: number | null;
  longitude: number | null;
  postalCodes: string[];
  capabilities: Capabilities;
  addressRequirements: AddressRequirements;
  senderClass: SenderClass;
  /** How many numbers seeding put in the block: a size estimate for query planning only. */
  seeded: number;
}

export interface SearchQuery {
  country: string;
  type: NumberType;
  areaCode?: string;
  contains?: string;
  inRegion?: string;
  inLocality?: string;
  inPostalCode?: string;
  inRateCenter?: string;
  inLata?: string;
  nearNumber?: string;
  nearLatLong?: string;
  distance?: number;
  smsEnabled?: boolean;
  voiceEnabled?: boolean;
  mmsEnabled?: boolean;
  faxEnabled?: boolean;
  excludeAllAddressRequired?: boolean;
  excludeLocalAddressRequired?: boolean;
  excludeForeignAddressRequired?: boolean;
  pageSize: number;
}

export interface CountrySummary {
  countryCode: CountryCode;
  country: string;
  beta: boolean;
  types: NumberType[];
}
