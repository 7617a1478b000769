import type { AreaCodeEntry } from './dataset-us.js';

/**
 * Real Canadian area codes with their province and real postal codes. Canada has no LATAs in the US
 * sense, so lata stays null rather than invented.
 */
export const CA_AREA_CODES: readonly AreaCodeEntry[] = [
  ['416', 'ON', null, [['Toronto', 'TORONTO', 43.6532, -79.3832, ['M5H 2N2', 'M5V 3L9', 'M4W 1A8']]]],
  ['647', 'ON', null, [['Toronto', 'TORONTO', 43.6532, -79.3832, ['M5J 2H7', 'M6G 1L5']]]],
  ['604', 'BC', null, [
    ['Vancouver', 'VANCOUVER', 49.2827, -123.1207, ['V6B 1A1', 'V6C 3E1', 'V6E 4M2']],
    ['Burnaby', 'BURNABY', 49.2488, -122.9805, ['V5H 4M1', 'V5C 6A5']]]],
  ['514', 'QC', null, [['Montreal', 'MONTREAL', 45.5019, -73.5674, ['H3B 1A7', 'H2X 1Y4', 'H3A 0G4']]]],
  ['403', 'AB', null, [
    ['Calgary', 'CALGARY', 51.0447, -114.0719, ['T2P 1J9', 'T2G 0P6', 'T2R 0H2']],
    ['Red Deer', 'RED DEER', 52.2681, -113.8112, ['T4N 1X5']]]],
  ['780', 'AB', null, [['Edmonton', 'EDMONTON', 53.5461, -113.4938, ['T5J 0N3', 'T5K 2J1']]]],
  ['613', 'ON', null, [
    ['Ottawa', 'OTTAWA', 45.4215, -75.6972, ['K1P 5G3', 'K1N 9B4', 'K2P 1L4']],
    ['Kingston', 'KINGSTON', 44.2312, -76.486, ['K7L 2N8']]]],
  ['902', 'NS', null, [['Halifax', 'HALIFAX', 44.6488, -63.5752, ['B3H 1A1', 'B3J 3A5']]]],
  ['204', 'MB', null, [['Winnipeg', 'WINNIPEG', 49.8951, -97.1384, ['R3C 4A5', 'R3B 1B9']]]],
];

/**
 * GB geographic area codes (national significant number without the trunk 0). `exchangeDigits` is
 * how many digits after the area code complete the six-digit block prefix (London's 020 has four-digit
 * exchanges, the 01x1 cities three).
 */
export interface GbAreaCode {
  code: string;
  locality: string;
  exchangeFirstDigits: readonly string[];
}

export const GB_AREA_CODES: readonly GbAreaCode[] = [
  { code: '20', locality: 'London', exchangeFirstDigits: ['3', '7', '8'] },
  { code: '161', locality: 'Manchester', exchangeFirstDigits: ['2', '3', '4', '8'] },
  { code: '121', locality: 'Birmingham', exchangeFirstDigits: ['2', '3', '4', '7'] },
  { code: '113', locality: 'Leeds', exchangeFirstDigits: ['2', '3', '4'] },
  { code: '141', locality: 'Glasgow', exchangeFirstDigits: ['2', '3', '4'] },
  { code: '131', locality: 'Edinburgh', exchangeFirstDigits: ['2', '3', '4'] },
  { code: '151', locality: 'Liverpool', exchangeFirstDigits: ['2', '3', '4'] },
  { code: '117', locality: 'Bristol', exchangeFirstDigits: ['2', '3', '9'] },
  { code: '29', locality: 'Cardiff', exchangeFirstDigits: ['2'] },
];

/** GB mobile ranges are 07xxx; Twilio's GB mobile stock sits in ranges like these. */
export const GB_MOBILE_PREFIXES: readonly string[] = ['7400', '7480', '7700', '7723', '7830', '7908', '7956'];

export const COUNTRY_NAMES: Readonly<Record<string, string>> = {
  US: 'United States',
  CA: 'Canada',
  GB: 'United Kingdom',
};
