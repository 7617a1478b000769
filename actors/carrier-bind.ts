// One actor per SMPP session to a carrier. Its mailbox serialises what the rest of the switch asks of the bind
// (submits) and what the carrier sends (receipts, inbound texts); the session underneath owns the wire details:
// window, response timeouts, enquire_link and re-bind.
//
// The actor takes its mailbox a batch per turn. nact runs one message per actor per event-loop iteration (each
// message is a setImmediate of its own), and one bind carries thousands of submits and receipts a second: message
// by message, its mailbox fell behind the socket whenever an iteration ran long (a GC pause, a burst of PDUs), and
// at 1,000 MO/s the hop from deliver_sm to the inbound router alone took p50 22 ms, p99 144 ms in a traced run.
// Now everything that arrived since the actor's last turn is handled in the next one, still in arrival order.
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
  /** Puts a message in the bind's mailbox; the actor handles it in its next turn, after those before it. */
  tell(msg: BindMsg): void;
  /** Messages waiting for the actor's next turn. */
  readonly queued: number;
}

/** A message whose handling threw: reported, and the rest of the batch goes on. */
export type BindErrorHandler = (err: unknown, msg: BindMsg) => void;

/**
 * What a submit that failed inside tandem (it could not even be encoded) answers, so its sender is never left
 * waiting: not retryable, since the same segment would fail the same way; the message fails with 30008.
 */
export const LOCAL_SUBMIT_FAILURE: SubmitResult = { ok: false, commandStatus: -1, retryable: false, reason: 'closed' };

export function spawnCarrierBind(
  system: Ref<never>,
  carrier: string,
  index: number,
  session: EsmeSession,
  onDeliver: (carrier: string, event: DeliverEvent) => void,
  onError: BindErrorHandler,
): CarrierBind {
  let mailbox: BindMsg[] = [];
  let turnRequested = false;
  const failed = (err: unknown, msg: BindMsg): void => {
    onError(err, msg);
    if (msg.type === 'submit') msg.reply(LOCAL_SUBMIT_FAILURE);
  };
  const handle = (msg: BindMsg): void => {
    if (msg.type === 'submit') {
      // Not awaited: the session's window bounds what is outstanding, and replies come back in any order.
      session.submit(msg.params).then(msg.reply, (err: unknown) => failed(err, msg));
    } else {
      onDeliver(carrier, msg.event);
    }
  };
  const ref = nact.spawnStateless(
    system as never,
    () => {
      turnRequested = false;
      const batch = mailbox;
      mailbox = [];
      for (const msg of batch) {
        try {
          handle(msg);
        } catch (err) {
          failed(err, msg);
        }
      }
      // The turn's submit_sm leave in one write now: this turn is a setImmediate, and the session's own end-of-turn
      // flush would wait for the next loop iteration, a whole poll phase of other work later.
      session.flush();
    },
    `bind-${carrier.replace(/[^a-z0-9\-_.]/gi, '_')}-${index}`,
  ) as unknown as Ref<'turn'>;
  const bind: CarrierBind = {
    carrier,
    index,
    session,
    tell(msg) {
      mailbox.push(msg);
      if (turnRequested) return;
      turnRequested = true;
      nact.dispatch(ref, 'turn');
    },
    get queued() {
      return mailbox.length;
    },
  };
  session.on('deliver_sm', (event) => bind.tell({ type: 'deliver', event }));
  return bind;
}
