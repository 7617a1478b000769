// Alphanumeric sender IDs ("TANDEM", "Acme Shop"): a name instead of a number as the sender of a text, where the
// destination's carriers allow one (not the US or Canada). An account has one through a Messaging Service's
// AlphaSenders resource (src/api/messaging-services.ts); the sender's queue and pacing are a number actor's, keyed by
// the name (actors/number/), and the carrier gets it as an alphanumeric source address (protocols/smpp/address.ts).

/**
 * Twilio's rule: up to 11 characters of A–Z, a–z, 0–9, space, `-`, `+`, `_` and `&`, not digits alone. tandem's own,
 * on top: no leading `+` or space, so an alpha sender can never be read as a phone number or be trimmed away.
 */
const ALPHA_SENDER = /^(?=.*[A-Za-z])[A-Za-z0-9\-_&][A-Za-z0-9 \-+_&]{0,10}$/;

export function isAlphaSender(s: string): boolean {
  return ALPHA_SENDER.test(s);
}

/** Segments per second for an alpha sender: Twilio's rate for senders to other countries. */
export const ALPHA_SENDER_RATE = 10;

/** North American numbers cannot be sent to from an alpha sender: a service sends to them from its pool instead. */
export function alphaReaches(to: string): boolean {
  return !to.startsWith('+1');
}
