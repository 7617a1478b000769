export { Inventory, DEFAULT_SEED, DEFAULT_US_LOCAL } from './inventory.js';
export {
  parseSearchQuery, numberTypeOfPath, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE,
  INVALID_AREA_CODE, INVALID_PHONE_NUMBER, INVALID_PARAMETER, type QueryParse, type RawQuery,
} from './query.js';
export { toApiJson, countryToApiJson } from './api-json.js';
export { parseContains, toKeypadDigits, keypadDigit, type ContainsPattern } from './pattern.js';
export type {
  AvailableNumber, Capabilities, CountryCode, CountrySummary, NumberType, SearchQuery, SenderClass, AddressRequirements,
} from './types.js';
