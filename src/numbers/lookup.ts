// What Twilio's Lookup answers for free (v2 "Formatting and Validation", v1's format lookup): a number as given,
// in E.164 or in the national format of a country, read against the numbering plan (libphonenumber-js).
import { isSupportedCountry, parsePhoneNumberFromString, validatePhoneNumberLength, type CountryCode } from 'libphonenumber-js/min';

/** Twilio's validation_errors values. */
export type ValidationError = 'TOO_SHORT' | 'TOO_LONG' | 'INVALID_BUT_POSSIBLE' | 'INVALID_COUNTRY_CODE' | 'INVALID_LENGTH' | 'NOT_A_NUMBER';

export interface NumberLookup {
  valid: boolean;
  validationErrors: ValidationError[];
  /** E.164 when the digits could be read; else the input as given. */
  phoneNumber: string;
  callingCountryCode: string | null;
  countryCode: string | null;
  nationalFormat: string | null;
}

/** Whether `iso` is a country the numbering plan knows (a Lookup's CountryCode). */
export function isLookupCountry(iso: string): iso is CountryCode {
  return isSupportedCountry(iso);
}

/** `defaultCountry` reads a number written without `+` (Twilio's CountryCode, US when absent). */
export function lookupNumber(raw: string, defaultCountry: CountryCode = 'US'): NumberLookup {
  const text = raw.trim();
  const parsed = parsePhoneNumberFromString(text, defaultCountry);
  if (parsed?.isValid()) {
    return {
      valid: true,
      validationErrors: [],
      phoneNumber: parsed.number,
      callingCountryCode: parsed.countryCallingCode,
      countryCode: parsed.country ?? null,
      nationalFormat: parsed.formatNational(),
    };
  }
  const lengthError = validatePhoneNumberLength(text, defaultCountry);
  const error: ValidationError =
    lengthError === 'INVALID_COUNTRY' ? 'INVALID_COUNTRY_CODE' : (lengthError ?? (parsed ? 'INVALID_BUT_POSSIBLE' : 'NOT_A_NUMBER'));
  return {
    valid: false,
    validationErrors: [error],
    phoneNumber: parsed?.number ?? text,
    callingCountryCode: parsed?.countryCallingCode ?? null,
    countryCode: parsed?.country ?? null,
    nationalFormat: null,
  };
}
