// What a number actor's mailbox carries, and what it needs from the rest of the switch.
import type { Counter } from 'prom-client';
import type { DeliveryReceipt } from '../../protocols/smpp/dlr.js';
import type { RoutedResult } from '../../src/carriers/router.js';
import type { MessageStore } from '../../src/messaging/message-store.js';
import type { MessageCallbacks } from '../../src/messaging/status-callbacks.js';
import type { MessageRecord, NumberRecord } from '../../src/store/records.js';
import type { EnqueueResult } from './outbound.js';
import type { InboundDeps } from './inbound.js';

export type NumberMsg =
  /** The API (or the scheduler) hands over a new outbound message. */
  | { type: 'enqueue'; record: MessageRecord; fromSchedule: boolean; reply: (r: EnqueueResult) => void }
  | { type: 'receipt'; sid: string; dlr: DeliveryReceipt; ack: () => void }
  /** The number's configuration changed through the API. */
  | { type: 'config' }
  /** Start sending whatever this number had queued before a restart. */
  | { type: 'resume' }
  /** An inbound message for this number is durable: keywords, webhook, TwiML replies. */
  | { type: 'inbound'; sid: string };

export interface NumberDeps {
  store: MessageStore;
  callbacks: MessageCallbacks;
  carriers: { submit: (to: string, params: import('../../protocols/smpp/esme-session.js').SubmitParams) => Promise<RoutedResult> };
  numberConfig(e164: string): NumberRecord | undefined;
  /** Record an error the number's owner must see (a Notification). */
  notify(m: MessageRecord, detail: string): void;
  /** The inbound side's needs (webhooks, opt-outs, replies, notifications). */
  inbound: InboundDeps;
  metrics: {
    segmentsSubmitted: Counter;
    submitRetries: Counter;
    messagesSent: Counter<'status'>;
  };
}
