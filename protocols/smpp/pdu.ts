// The deliver_sm fields the adapters read, as node-smpp hands them over once wire.ts has removed its
// text filters (short_message and message_payload stay raw bytes).
export interface RawDeliverSm {
  source_addr_ton?: number;
  source_addr?: string;
  dest_addr_ton?: number;
  destination_addr?: string;
  esm_class?: number;
  data_coding?: number | null;
  short_message?: Buffer;
  message_payload?: Buffer;
  receipted_message_id?: string;
  message_state?: number;
  network_error_code?: Buffer;
  sar_msg_ref_num?: number;
  sar_total_segments?: number;
  sar_segment_seqnum?: number;
}

/** short_message, or message_payload when a carrier puts the text there (short_message then empty). */
export function userData(pdu: RawDeliverSm): Buffer {
  const sm = pdu.short_message;
  if (sm && sm.length > 0) return sm;
  return pdu.message_payload ?? sm ?? Buffer.alloc(0);
}
