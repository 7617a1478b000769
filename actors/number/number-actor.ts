// The number actor: one per phone number, owning that number's sender queue and pacing. Thin by design: the
// outbound (and inbound) behaviour lives in its own modules; this file only routes the mailbox.
import type { EntityBehaviour } from '../registry.js';
import { DEFAULT_RATES } from './pacer.js';
import { ALPHA_SENDER_RATE, isAlphaSender } from '../../src/messaging/alpha-sender.js';
import { Outbound } from './outbound.js';
import { Inbound } from './inbound.js';
import type { NumberDeps, NumberMsg } from './messages.js';

export interface NumberState {
  e164: string;
  /** Next FIFO position; survives passivation so order holds across incarnations. */
  nextSeq: number;
  outbound?: Outbound;
  inbound?: Inbound;
}

function rateOf(deps: NumberDeps, e164: string): number {
  const n = deps.numberConfig(e164);
  // An alphanumeric sender ID has no number record; it sends at Twilio's rate for senders to other countries.
  if (!n) return isAlphaSender(e164) ? ALPHA_SENDER_RATE : DEFAULT_RATES.long_code;
  return n.rateOverride ?? DEFAULT_RATES[n.senderClass];
}

export function numberBehaviour(deps: NumberDeps): EntityBehaviour<NumberState, NumberMsg> {
  return {
    kind: 'number',
    initial: (key) => ({ e164: key, nextSeq: 0 }),
    toSnapshot: (s) => ({ e164: s.e164, nextSeq: s.nextSeq }),
    fromSnapshot: (data) => data as NumberState,
    canPassivate: (s) => (!s.outbound || s.outbound.idle) && (!s.inbound || s.inbound.idle),

    wake(state, ctx) {
      const outbound = new Outbound(state.e164, rateOf(deps, state.e164), deps, ctx);
      // The durable outbox is the truth about what this sender still owes the carrier.
      let last = state.nextSeq - 1;
      for (const { seq, sid } of deps.store.outboxOf(state.e164)) {
        const m = deps.store.get(sid);
        if (m && m.status === 'queued') outbound.restore(m);
        else if (m) void deps.store.leaveOutbox(m);
        if (seq > last) last = seq;
      }
      // Sequence numbers also order by time, so a snapshot lost in a crash cannot reuse a position.
      const nextSeq = Math.max(last + 1, Date.now() * 1000);
      outbound.pump();
      return { e164: state.e164, nextSeq, outbound, inbound: new Inbound(state.e164, deps, ctx) };
    },

    handle(state, msg) {
      const out = state.outbound!;
      switch (msg.type) {
        case 'enqueue':
          if (out.enqueue(msg.record, state.nextSeq, msg.reply, msg.fromSchedule)) state.nextSeq++;
          break;
        case 'receipt':
          out.receipt(msg.sid, msg.dlr, msg.ack);
          break;
        case 'config':
          out.setRate(rateOf(deps, state.e164));
          out.pump();
          break;
        case 'resume':
          out.pump();
          break;
        case 'inbound':
          state.inbound!.receive(msg.sid);
          break;
      }
      return state;
    },
  };
}
