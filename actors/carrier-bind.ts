// One actor per SMPP session to a carrier. Its mailbox serialises what the rest of the switch asks of the bind
// (submits) and what the carrier sends (receipts, inbound texts); the session underneath owns the wire details:
// window, response timeouts, enquire_link and re-bind.
import nact from 'nact';
import type { Ref } from 'nact';
import type { DeliverEvent, EsmeSession, SubmitParams, SubmitResult } from '../protocols/smpp/esme-session.js';

export type BindMsg =
  | { type: 'submit'; params: SubmitParams; reply: (r: SubmitResult) => void }
  | { type: 'deliver'; event: DeliverEvent };

export interface CarrierBind {
  carrier: string;
  index: number;
  session: EsmeSession;
  ref: Ref<BindMsg>;
}

export function spawnCarrierBind(
  system: Ref<never>,
  carrier: string,
  index: number,
  session: EsmeSession,
  onDeliver: (carrier: string, event: DeliverEvent) => void,
): CarrierBind {
  const ref = nact.spawnStateless(
    system as never,
    (msg: BindMsg) => {
      if (msg.type === 'submit') {
        // Not awaited: the session's window bounds what is outstanding, and replies come back in any order.
        void session.submit(msg.params).then(msg.reply);
      } else {
        onDeliver(carrier, msg.event);
      }
    },
    `bind-${carrier.replace(/[^a-z0-9\-_.]/gi, '_')}-${index}`,
  ) as unknown as Ref<BindMsg>;
  session.on('deliver_sm', (event) => nact.dispatch(ref, { type: 'deliver', event }));
  return { carrier, index, session, ref };
}
