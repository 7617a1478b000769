// The one place that loads node-smpp. Its short_message / message_payload "filters" turn bytes into
// text with a RegExp rebuilt per call and mis-decode some data codings (see bench/ceilings.md); we do
// our own encoding (encoding.ts), so the filters are removed once here and those fields stay raw
// Buffers in both directions. Everything that speaks SMPP in tandem imports smpp through this module.
import smpp from 'smpp';
import type { PDU, Session } from 'smpp';

for (const name of ['submit_sm', 'deliver_sm', 'data_sm', 'submit_multi', 'replace_sm']) {
  const sm = smpp.commands[name]?.params?.short_message;
  if (sm) delete sm.filter;
}
const payloadTlv = smpp.tlvs['message_payload'];
if (payloadTlv) delete payloadTlv.filter;

export { smpp };
export type { PDU, Session, Server, PduFields } from 'smpp';

/** SMPP command_status values tandem reacts to. */
export const STATUS = {
  OK: 0x00,
  INVMSGLEN: 0x01,
  SYSERR: 0x08,
  INVDSTADR: 0x0b,
  BINDFAIL: 0x0d,
  MSGQFUL: 0x14,
  SUBMITFAIL: 0x45,
  THROTTLED: 0x58,
  X_T_APPN: 0x64,
  DELIVERYFAILURE: 0xfe,
} as const;

/** Transient carrier conditions: retry the same PDU later, slower. */
export function isThrottleStatus(status: number): boolean {
  return status === STATUS.THROTTLED || status === STATUS.MSGQFUL;
}

/** Statuses worth retrying (possibly elsewhere); everything else is a permanent rejection. */
export function isRetryableStatus(status: number): boolean {
  return isThrottleStatus(status) || status === STATUS.SYSERR || status === STATUS.X_T_APPN;
}

const CORKED = Symbol('tandem.corked');
type Corkable = Session & { [CORKED]?: boolean };

/**
 * PDUs sent in the same event-loop turn leave in one TCP write: node-smpp writes each PDU on its own, and at
 * thousands of PDUs per second the per-write syscalls dominate the profile. The turn, not the tick: submits
 * come from separate callbacks (commits, actor messages), and Node runs the nextTick queue between any two of
 * them, so a tick holds one PDU. The socket is uncorked in the check phase, after the callbacks already queued
 * there (actor messages among them): at most one turn of delay.
 */
function corkForTurn(session: Session): void {
  const s = session as Corkable;
  if (!s[CORKED]) {
    s[CORKED] = true;
    s.socket.cork();
    setImmediate(uncork, s);
  }
}

function uncork(s: Corkable): void {
  if (!s[CORKED]) return;
  s[CORKED] = false;
  s.socket.uncork();
}

/**
 * Writes what this turn batched now instead of at the turn's end. For writers that run in the check phase
 * themselves (an actor's turn is a setImmediate): the uncork they queue runs only in the next loop iteration, after
 * a whole poll phase of other sockets' work. The queued uncork then finds nothing to do.
 */
export function flushTurn(session: Session): void {
  uncork(session as Corkable);
}

/** Session.send, batched with the other PDUs of this turn. */
export function sendBatched(session: Session, pdu: PDU, onResponse?: (resp: PDU) => void): boolean {
  corkForTurn(session);
  return onResponse ? session.send(pdu, onResponse) : session.send(pdu);
}

/** Takes the next sequence number from node-smpp's own counter, so ours never collide with its. */
export function nextSequence(session: Session): number {
  if (session.sequence >= 0x7fffffff) session.sequence = 0;
  return ++session.sequence;
}

/**
 * Writes an already encoded PDU (see submit-pdu.ts), batched; false when the socket is not writable.
 * `onWritten` runs once the PDU is handed to the kernel (which still sends it if tandem dies right after).
 */
export function writeBatched(session: Session, pdu: Buffer, onWritten?: () => void): boolean {
  if (!session.socket.writable) return false;
  corkForTurn(session);
  if (onWritten) session.socket.write(pdu, (err) => !err && onWritten());
  else session.socket.write(pdu);
  return true;
}
