// Delivery receipts from carriers: find the message through the durable carrier-id index and hand the receipt
// to the sender number's actor, which owns that message's status. The carrier gets its deliver_sm_resp only
// after the new status is on disk.
import type { EntityRegistry } from '../../actors/registry.js';
import type { NumberMsg } from '../../actors/number/messages.js';
import type { NumberState } from '../../actors/number/number-actor.js';
import type { DeliveryReceipt } from '../../protocols/smpp/dlr.js';
import type { MessageStore } from './message-store.js';
import type { Logger } from 'pino';
import type { Counter } from 'prom-client';

// A receipt can overtake the commit that recorded its carrier id; look again briefly before giving up on it.
const LOOKUP_RETRIES = 20;
const LOOKUP_RETRY_MS = 100;

export class ReceiptRouter {
  constructor(
    private readonly store: MessageStore,
    private readonly numbers: EntityRegistry<NumberState, NumberMsg>,
    private readonly log: Logger,
    private readonly unmatched: Counter,
  ) {}

  handle(carrier: string, dlr: DeliveryReceipt, ack: () => void, attempt = 0): void {
    const hit = this.store.lookupCarrierId(carrier, dlr.carrierMessageId);
    if (!hit) {
      if (attempt < LOOKUP_RETRIES) {
        setTimeout(() => this.handle(carrier, dlr, ack, attempt + 1), LOOKUP_RETRY_MS);
        return;
      }
      this.unmatched.inc();
      this.log.warn({ carrier, carrierMessageId: dlr.carrierMessageId, stat: dlr.stat }, 'delivery receipt for an unknown message; acknowledged and dropped');
      ack();
      return;
    }
    // The id stays indexed after the final receipt, as the message itself stays: a carrier's repeated receipt
    // then finds a message already final and is acknowledged at once, and no write is spent forgetting it.
    this.numbers.tell(hit.from, { type: 'receipt', sid: hit.sid, dlr, ack });
  }
}
