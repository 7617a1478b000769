// Delivery receipts: recognise them among deliver_sm PDUs, read the carrier's verdict from the TLVs or
// the de-facto text form, and map it to Twilio's message status and error code.
import { ESM_UDHI, splitUdh } from './udh.js';
import { userData, type RawDeliverSm } from './pdu.js';

export type DlrStat = 'DELIVRD' | 'EXPIRED' | 'DELETED' | 'UNDELIV' | 'ACCEPTD' | 'UNKNOWN' | 'REJECTD' | 'ENROUTE';

export interface DeliveryReceipt {
  carrierMessageId: string;
  stat: DlrStat;
  /** Carrier error, three digits as in the text form ('000' when none). */
  err: string;
  /** The carrier's "done date", YYMMDDhhmm[ss], no time zone (Twilio's RawDlrDoneDate). */
  doneDate?: string;
}

/** SMPP 3.4 message_state values (TLV 0x0427). */
const STATE_TO_STAT: Record<number, DlrStat> = {
  1: 'ENROUTE',
  2: 'DELIVRD',
  3: 'EXPIRED',
  4: 'DELETED',
  5: 'UNDELIV',
  6: 'ACCEPTD',
  7: 'UNKNOWN',
  8: 'REJECTD',
};

export const STAT_TO_STATE: Record<DlrStat, number> = {
  ENROUTE: 1,
  DELIVRD: 2,
  EXPIRED: 3,
  DELETED: 4,
  UNDELIV: 5,
  ACCEPTD: 6,
  UNKNOWN: 7,
  REJECTD: 8,
};

/** Spellings seen in the wild for the text form's stat field. */
const STAT_ALIASES: Record<string, DlrStat> = {
  DELIVRD: 'DELIVRD',
  DELIVERED: 'DELIVRD',
  EXPIRED: 'EXPIRED',
  DELETED: 'DELETED',
  UNDELIV: 'UNDELIV',
  UNDELIVERABLE: 'UNDELIV',
  ACCEPTD: 'ACCEPTD',
  ACCEPTED: 'ACCEPTD',
  UNKNOWN: 'UNKNOWN',
  REJECTD: 'REJECTD',
  REJECTED: 'REJECTD',
  ENROUTE: 'ENROUTE',
};

const ID_RE = /(?:^|\s)id:(\S+)/i;
const STAT_RE = /(?:^|\s)stat:(\S+)/i;
const ERR_RE = /(?:^|\s)err:(\S+)/i;
const DONE_RE = /(?:^|\s)done date:(\d{10,12})/i;

const ESM_TYPE_MASK = 0x3c;
const ESM_SMSC_RECEIPT = 0x04;

export function isDeliveryReceipt(pdu: RawDeliverSm): boolean {
  return ((pdu.esm_class ?? 0) & ESM_TYPE_MASK) === ESM_SMSC_RECEIPT || !!pdu.receipted_message_id;
}

/**
 * Reads a receipt. TLVs win over the text for id and state (the text id is sometimes printed in a
 * different base); err and done date only exist in the text, or err in network_error_code.
 * Returns null when no message id can be found at all.
 */
export function parseDeliveryReceipt(pdu: RawDeliverSm): DeliveryReceipt | null {
  let data = userData(pdu);
  if ((pdu.esm_class ?? 0) & ESM_UDHI) data = splitUdh(data).payload;
  // Receipt text is ASCII in practice whatever data_coding says; Latin-1 keeps every byte.
  const text = data.toString('latin1');

  const id = nonEmpty(pdu.receipted_message_id) ?? ID_RE.exec(text)?.[1];
  if (!id) return null;

  let stat: DlrStat | undefined = pdu.message_state !== undefined ? STATE_TO_STAT[pdu.message_state] : undefined;
  if (!stat) {
    const s = STAT_RE.exec(text)?.[1];
    stat = (s && STAT_ALIASES[s.toUpperCase()]) || 'UNKNOWN';
  }

  let err = ERR_RE.exec(text)?.[1];
  if (!err && pdu.network_error_code && pdu.network_error_code.length >= 3) {
    err = String(pdu.network_error_code.readUInt16BE(1));
  }
  err = err ? err.padStart(3, '0') : '000';

  const doneDate = DONE_RE.exec(text)?.[1];
  return doneDate ? { carrierMessageId: id, stat, err, doneDate } : { carrierMessageId: id, stat, err };
}

function nonEmpty(s: string | undefined): string | undefined {
  return s ? s : undefined;
}

export type DlrStatus = 'delivered' | 'undelivered' | 'failed';

export interface DlrOutcome {
  status: DlrStatus;
  errorCode: number | null;
}

/** Carrier err values that name a Twilio 300xx cause directly (the sandbox uses the same ones). */
const ERR_TO_CODE: Record<string, number> = {
  '003': 30003, // unreachable (absent subscriber)
  '005': 30005, // unknown subscriber
  '006': 30006, // landline / unreachable carrier
  '007': 30007, // filtered / blocked content
  '008': 30008, // unknown error
};

/**
 * Twilio status for a final receipt; null for ENROUTE and ACCEPTD, which are intermediate (the
 * message stays `sent`).
 *
 * Mapping (twilio-compat §18, "ours"): DELIVRD -> delivered. Otherwise `undelivered`, with the
 * carrier err when it names a cause (003/005/006/007/008 -> 3000x), else by stat: UNDELIV -> 30005,
 * REJECTD -> 30007, EXPIRED / DELETED / UNKNOWN -> 30008.
 * EXPIRED is deliberately 30008 + undelivered, not 30036 + failed: the carrier accepted the message
 * (it was `sent`) and gave up later; 30036 / `failed` is kept for tandem's own queue ValidityPeriod,
 * where the message never reached a carrier.
 */
export function dlrOutcome(stat: DlrStat, err: string): DlrOutcome | null {
  switch (stat) {
    case 'DELIVRD':
      return { status: 'delivered', errorCode: null };
    case 'ENROUTE':
    case 'ACCEPTD':
      return null;
    default: {
      const byErr = ERR_TO_CODE[err.padStart(3, '0')];
      if (byErr !== undefined) return { status: 'undelivered', errorCode: byErr };
      if (stat === 'UNDELIV') return { status: 'undelivered', errorCode: 30005 };
      if (stat === 'REJECTD') return { status: 'undelivered', errorCode: 30007 };
      return { status: 'undelivered', errorCode: 30008 };
    }
  }
}

/** YYMMDDhhmm in UTC, the receipt text's date format. */
export function dlrDate(d: Date): string {
  const p = (n: number) => (n < 10 ? '0' + n : String(n));
  return (
    p(d.getUTCFullYear() % 100) + p(d.getUTCMonth() + 1) + p(d.getUTCDate()) + p(d.getUTCHours()) + p(d.getUTCMinutes())
  );
}

/** The de-facto receipt text (SMPP 3.4 appendix B). */
export function formatReceiptText(r: {
  id: string;
  stat: DlrStat;
  err: string;
  submitDate: Date;
  doneDate: Date;
  text: string;
}): string {
  const dlvrd = r.stat === 'DELIVRD' ? '001' : '000';
  return (
    `id:${r.id} sub:001 dlvrd:${dlvrd} submit date:${dlrDate(r.submitDate)} done date:${dlrDate(r.doneDate)} ` +
    `stat:${r.stat} err:${r.err.padStart(3, '0')} text:${r.text.slice(0, 20)}`
  );
}
