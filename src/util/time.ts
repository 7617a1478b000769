// Twilio renders dates as RFC 2822 in GMT with a numeric zone: `Thu, 24 Aug 2023 05:01:45 +0000`.
// Every resource rendered carries two or three dates, mostly of the current second: the last second's text is kept.
let cachedSecond = NaN;
let cachedText = '';

export function rfc2822(ms: number | null | undefined): string | null {
  if (ms === null || ms === undefined) return null;
  const second = Math.floor(ms / 1000);
  if (second !== cachedSecond) {
    cachedText = new Date(ms).toUTCString().replace('GMT', '+0000');
    cachedSecond = second;
  }
  return cachedText;
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** ISO 8601 to the second, as Twilio's newer APIs (Messaging v1, Verify v2) render dates: `2023-08-24T05:01:45Z`. */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
