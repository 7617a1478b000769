// Twilio's texts for the asynchronous message error codes tandem reports, and how SMPP outcomes map onto them.
const MESSAGES: Record<number, string> = {
  30001: 'Queue overflow',
  30002: 'Account suspended',
  30003: 'Unreachable destination handset',
  30004: 'Message blocked',
  30005: 'Unknown destination handset',
  30006: 'Landline or unreachable carrier',
  30007: 'Message filtered',
  30008: 'Unknown error',
  30009: 'Missing inbound segment',
  30036: 'Validity Period Expired',
  21610: 'Attempt to send to unsubscribed recipient',
};

export function errorMessage(code: number): string {
  return MESSAGES[code] ?? 'Unknown error';
}

/**
 * A permanent submit_sm rejection as a Twilio code (our mapping; Twilio does not publish one):
 * invalid destination → 30005 unknown handset, barred/filtered/rejected content → 30007, anything else → 30008.
 */
export function submitErrorCode(commandStatus: number): number {
  switch (commandStatus) {
    case 0x0b: // ESME_RINVDSTADR
    case 0x33: // ESME_RINVNUMDESTS
      return 30005;
    case 0x45: // ESME_RSUBMITFAIL
    case 0x0a: // ESME_RINVSRCADR
    case 0x62: // ESME_RINVEXPIRY
    case 0x61: // ESME_RINVSCHED
      return 30007;
    default:
      return 30008;
  }
}
