// RFC 3261 §12 dialog state. A dialog's wire id is `<Call-ID>;from-tag=<From-tag of the
// initial INVITE>` because srf's findDialogByCallIDAndFromTag() builds exactly that string.
import type { ClientTransaction, ServerTransaction } from './transaction.js';
import type { Proto, Target } from './transport.js';

export interface DialogInit {
  role: 'uas' | 'uac';
  callId: string;
  localTag: string;
  remoteTag: string;
  /** From/To header values of our side and the peer's side, tags included. */
  localParty: string;
  remoteParty: string;
  remoteTarget: string;
  routeSet: string[];
  localCseq: number;
  remoteCseq: number;
  proto: Proto;
  /** The flow the dialog was set up on; reused for TCP while the connection lives. */
  flow: Target;
}

export class Dialog<Owner = unknown> {
  readonly id: string;
  readonly role: 'uas' | 'uac';
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
  readonly localParty: string;
  readonly remoteParty: string;
  remoteTarget: string;
  routeSet: string[];
  localCseq: number;
  remoteCseq: number;
  readonly proto: Proto;
  readonly flow: Target;
  owner?: Owner;
  terminating = false;
  /** CSeq of the last INVITE we sent; an ACK for its 2xx must carry it. */
  lastInviteCseq = 0;
  /** Our 2xx to an INVITE that is still waiting for the peer's ACK. */
  awaitingAck?: { txn: ServerTransaction; cseq: number };
  /** Our re-INVITE still in progress (for glare and BYE-while-pending). */
  pendingReinvite?: ClientTransaction;
  /** Last ACK we sent for a 2xx, re-sent when the peer retransmits that 2xx. */
  lastAck?: { cseq: number; bytes: Buffer; target: Target };

  constructor(init: DialogInit) {
    this.role = init.role;
    this.callId = init.callId;
    this.localTag = init.localTag;
    this.remoteTag = init.remoteTag;
    this.localParty = init.localParty;
    this.remoteParty = init.remoteParty;
    this.remoteTarget = init.remoteTarget;
    this.routeSet = init.routeSet;
    this.localCseq = init.localCseq;
    this.remoteCseq = init.remoteCseq;
    this.proto = init.proto;
    this.flow = init.flow;
    const initialFromTag = init.role === 'uas' ? init.remoteTag : init.localTag;
    this.id = `${init.callId};from-tag=${initialFromTag}`;
  }

  get key(): string { return dialogKey(this.callId, this.localTag, this.remoteTag); }
}

export function dialogKey(callId: string, localTag: string, remoteTag: string): string {
  return `${callId}\u0000${localTag}\u0000${remoteTag}`;
}

export class DialogStore<Owner = unknown> {
  private byId = new Map<string, Dialog<Owner>>();
  private byKey = new Map<string, Dialog<Owner>>();

  add(d: Dialog<Owner>): void {
    this.byId.set(d.id, d);
    this.byKey.set(d.key, d);
  }

  get(id: string): Dialog<Owner> | undefined { return this.byId.get(id); }

  /** Dialog for a message from the peer: their tag is remote, ours is local. */
  find(callId: string, localTag: string, remoteTag: string): Dialog<Owner> | undefined {
    return this.byKey.get(dialogKey(callId, localTag, remoteTag));
  }

  remove(d: Dialog<Owner>): void {
    if (this.byId.get(d.id) === d) this.byId.delete(d.id);
    if (this.byKey.get(d.key) === d) this.byKey.delete(d.key);
  }

  all(): Dialog<Owner>[] { return [...this.byId.values()]; }
  get size(): number { return this.byId.size; }
}
