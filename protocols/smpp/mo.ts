// Mobile-originated deliver_sm -> one typed inbound part (UDH stripped, text decoded, addresses E.164).
import { decodeText } from './encoding.js';
import { ESM_UDHI, concatFromSar, splitUdh, type ConcatInfo } from './udh.js';
import { fromSmppAddress } from './address.js';
import { userData, type RawDeliverSm } from './pdu.js';

export interface InboundPart {
  from: string;
  to: string;
  text: string;
  dataCoding: number;
  /** Present when this is one part of a concatenated message (UDH or sar_* TLVs). */
  concat?: ConcatInfo;
}

/**
 * What data_coding 0 ("SMSC default alphabet") means on this link. GSM 03.38 per the spec, but some
 * carriers send Latin-1 or plain ASCII under 0; carrier config picks.
 */
export type DefaultAlphabet = 'gsm7' | 'latin1';

export function decodeMo(pdu: RawDeliverSm, defaultAlphabet: DefaultAlphabet = 'gsm7'): InboundPart {
  const dataCoding = pdu.data_coding ?? 0;
  let payload = userData(pdu);
  let concat: ConcatInfo | undefined;
  if ((pdu.esm_class ?? 0) & ESM_UDHI) {
    const split = splitUdh(payload);
    payload = split.payload;
    concat = split.concat;
  }
  concat ??= concatFromSar(pdu);
  const part: InboundPart = {
    from: fromSmppAddress(pdu.source_addr_ton, pdu.source_addr),
    to: fromSmppAddress(pdu.dest_addr_ton, pdu.destination_addr),
    text: dataCoding === 0 && defaultAlphabet === 'latin1' ? decodeText(3, payload) : decodeText(dataCoding, payload),
    dataCoding,
  };
  if (concat && concat.total > 1) part.concat = concat;
  return part;
}
