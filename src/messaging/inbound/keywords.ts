// Twilio's default opt-out handling for long codes and toll-free numbers (twilio-compat §16): a message that is
// exactly one keyword (case-insensitive, surrounding whitespace ignored) opts the handset out of, or back into,
// messages from that sender, or asks for help; each gets a standard auto-reply.

export type KeywordKind = 'STOP' | 'START' | 'HELP';

const KEYWORDS: ReadonlyMap<string, KeywordKind> = new Map([
  ...['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT'].map((k) => [k, 'STOP'] as const),
  ...['START', 'YES', 'UNSTOP'].map((k) => [k, 'START'] as const),
  ...['HELP', 'INFO'].map((k) => [k, 'HELP'] as const),
]);

/** The keyword class of an inbound body, or null when it is an ordinary message ("STOP PLEASE" is one). */
export function classifyKeyword(body: string): KeywordKind | null {
  const word = body.trim().toUpperCase();
  if (word.length > 11) return null;
  return KEYWORDS.get(word) ?? null;
}

/** Twilio's standard auto-replies. */
export const KEYWORD_REPLIES: Readonly<Record<KeywordKind, string>> = {
  STOP: 'You have successfully been unsubscribed. You will not receive any more messages from this number. Reply START to resubscribe.',
  START: 'You have successfully been re-subscribed to messages from this number. Reply HELP for help. Reply STOP to unsubscribe. Msg&Data Rates May Apply.',
  HELP: 'Reply STOP to unsubscribe. Msg&Data Rates May Apply.',
};
