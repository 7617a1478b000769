// The signalling side of a call leg, abstracted so a call session runs the same over SIP (a drachtio-srf dialog)
// and inside tandem (a <Dial> from one tandem number to another, which SIP cannot loop back to the same server).
import { EventEmitter } from 'node:events';
import type Srf from 'drachtio-srf';

/** An established leg: hang it up, or hear that the other side did. */
export interface CallLeg {
  destroy(): Promise<unknown>;
  on(event: 'destroy', fn: () => void): unknown;
  /** A SIP re-INVITE with new media (hold, a moved RTP address); SIP legs only. */
  on(event: 'modify', fn: (req: { body: string }, res: { send(status: number, opts?: { body?: string; headers?: Record<string, string> }): void }) => void): unknown;
  /** Our current SDP on a SIP leg. */
  readonly local?: { sdp: string };
  /** An in-dialog request such as REFER, answered with the far end's final response; SIP legs only. */
  request?(opts: { method: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number }>;
  /** A NOTIFY in the dialog (how a REFER's transfer is going); SIP legs only. */
  on(event: 'notify', fn: (req: SipNotify, res: { send(status: number): void }) => void): unknown;
  off?(event: 'notify', fn: (req: SipNotify, res: { send(status: number): void }) => void): unknown;
  /** A REFER from the far end (it transfers the call); SIP legs only. */
  on(event: 'refer', fn: (req: SipNotify, res: { send(status: number): void }) => void): unknown;
}

/** What tandem reads of an in-dialog request (a NOTIFY's sipfrag body and Subscription-State, a REFER's Refer-To). */
export interface SipNotify {
  readonly body?: string;
  readonly headers?: Record<string, unknown>;
  get(name: string): string | undefined;
}

/** An unanswered incoming leg: answer it with our SDP, or refuse it with a SIP status. */
export interface PendingAnswer {
  /** The caller's SDP offer. */
  readonly offer: string;
  answer(localSdp: string, headers: Record<string, string>): Promise<CallLeg>;
  refuse(status: number): void;
  /** A final response went out (answered or refused). */
  readonly settled: boolean;
  /** The caller gave up before an answer (SIP CANCEL, or the dialing call ended). */
  onCancel(fn: () => void): void;
}

export function sipPendingAnswer(srf: Srf, req: Srf.SrfRequest, res: Srf.SrfResponse): PendingAnswer {
  return {
    offer: req.body,
    answer: (localSdp, headers) => srf.createUAS(req, res, { localSdp, headers }),
    refuse: (status) => {
      if (!res.finalResponseSent) res.send(status);
    },
    get settled() {
      return res.finalResponseSent;
    },
    onCancel: (fn) => void req.on('cancel', fn),
  };
}

class LocalLeg extends EventEmitter implements CallLeg {
  peer!: LocalLeg;
  private over = false;

  async destroy(): Promise<void> {
    if (this.over) return;
    this.over = true;
    this.peer.over = true;
    this.peer.emit('destroy');
  }
}

/** The calling side's view of a call to another tandem number, and the pending answer the called side gets. */
export interface LocalCall {
  pending: PendingAnswer;
  /** Resolves with the answer SDP and the caller's leg, or the refusal status. */
  outcome: Promise<{ answered: true; sdp: string; leg: CallLeg } | { answered: false; status: number }>;
  /** The caller gives up before the answer. */
  cancel(): void;
}

export function localCall(offer: string): LocalCall {
  let settle!: (o: Awaited<LocalCall['outcome']>) => void;
  const outcome = new Promise<Awaited<LocalCall['outcome']>>((r) => (settle = r));
  let settled = false;
  const cancelHandlers: (() => void)[] = [];
  const pending: PendingAnswer = {
    offer,
    async answer(localSdp) {
      if (settled) throw new Error('the caller already gave up');
      settled = true;
      const caller = new LocalLeg();
      const callee = new LocalLeg();
      caller.peer = callee;
      callee.peer = caller;
      settle({ answered: true, sdp: localSdp, leg: caller });
      return callee;
    },
    refuse(status) {
      if (settled) return;
      settled = true;
      settle({ answered: false, status });
    },
    get settled() {
      return settled;
    },
    onCancel: (fn) => void cancelHandlers.push(fn),
  };
  return {
    pending,
    outcome,
    cancel() {
      if (settled) return;
      settled = true;
      settle({ answered: false, status: 487 });
      for (const fn of cancelHandlers) fn();
    },
  };
}
