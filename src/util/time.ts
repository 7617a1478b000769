// Twilio renders dates as RFC 2822 in GMT with a numeric zone: `Thu, 24 Aug 2023 05:01:45 +0000`.
export function rfc2822(ms: number | null | undefined): string | null {
  if (ms === null || ms === undefined) return null;
  return new Date(ms).toUTCString().replace('GMT', '+0000');
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
