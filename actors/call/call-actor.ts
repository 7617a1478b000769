// The call-session actor: one plain nact actor per call leg, named by its CallSid. Its mailbox serialises what
// happens to a call from outside (start, API redirect, API hang-up or cancel) so those never interleave; the
// SIP/media work and the TwiML run live in CallSession and the interpreter.
//
// Why not EntityRegistry: a call owns a SIP dialog, a UDP socket and timers, none of which survive a snapshot, so
// passivating or restoring a call makes no sense; it lives exactly as long as the call. Calls alive when tandem
// stopped are closed by CallDirectory.closeStale at start instead.
import nact from 'nact';
import type { Ref } from 'nact';
import type { CallSession, RedirectTarget } from './call-session.js';

export type CallMsg =
  | { type: 'run'; start: () => Promise<void> }
  | { type: 'redirect'; target: RedirectTarget }
  | { type: 'hangup' }
  | { type: 'cancel' };

const SHARDS = 16;

/** Every live call of this process, by CallSid; the API finds calls here without messaging any parent actor. */
export class CallDirectory {
  private readonly shards: Ref<never>[] = [];
  private readonly live = new Map<string, { session: CallSession; ref: Ref<CallMsg> }>();

  constructor(system: Ref<never>) {
    // nact copies a parent's children map on each of the parent's messages: spread calls over idle shard parents.
    for (let i = 0; i < SHARDS; i++) this.shards.push(nact.spawn(system, (s: unknown) => s, `call-shard-${i}`) as unknown as Ref<never>);
  }

  get size(): number {
    return this.live.size;
  }

  get(sid: string): CallSession | undefined {
    return this.live.get(sid)?.session;
  }

  sessions(): IterableIterator<CallSession> {
    return [...this.live.values()].map((e) => e.session).values();
  }

  /** Spawns the actor for a new call and starts it with `start` (its SIP leg and TwiML run). */
  add(session: CallSession, start: () => Promise<void>): void {
    const shard = this.shards[hash(session.sid) % SHARDS]!;
    const ref = nact.spawn(
      shard,
      (state: null, msg: CallMsg) => {
        handle(session, msg);
        return state;
      },
      session.sid,
      { initialState: null },
    ) as unknown as Ref<CallMsg>;
    this.live.set(session.sid, { session, ref });
    void session.ended.then(() => {
      this.live.delete(session.sid);
      nact.stop(ref);
    });
    nact.dispatch(ref, { type: 'run', start });
  }

  tell(sid: string, msg: CallMsg): boolean {
    const e = this.live.get(sid);
    if (!e) return false;
    nact.dispatch(e.ref, msg);
    return true;
  }
}

function handle(session: CallSession, msg: CallMsg): void {
  switch (msg.type) {
    case 'run':
      // Not awaited: the run lasts the whole call, and the mailbox must stay free for redirects and hang-ups.
      // A run that throws must not take the process down: the call fails instead.
      void msg.start().catch(() => session.end('hangup', 'failed'));
      return;
    case 'redirect':
      if (!session.isOver) session.requestRedirect(msg.target);
      return;
    case 'hangup':
      void session.end('hangup');
      return;
    case 'cancel':
      // Not the caller's CANCEL (the SIP stack answered that): an unanswered incoming leg still needs a final response.
      void session.end('hangup', 'canceled');
      return;
  }
}

function hash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) >>> 0;
  return h;
}
