// One LMDB environment per node. lmdb-js batches every put/remove issued in one event turn into one commit.
// With its default `overlappingSync` (Linux), a write's promise resolves when that commit is visible, and the
// fsync follows on another thread: a process crash after that loses nothing, a power cut could. So whatever is
// acknowledged to the outside (a 201, a deliver_sm_resp) waits for `durable()` or `flushedSoFar()`, which add the
// flush — about a millisecond, in parallel with the next commits (shared/bench/ceilings.md says "lmdb fsyncs every commit";
// lmdb 3.5.6's README and write.js say when).
import { open, type Database, type Key, type RootDatabase } from 'lmdb';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AccountRecord, ApiKeyRecord, ApplicationRecord, ConferenceRecord, QueueRecord, SipCredentialListRecord, SipCredentialRecord, SipIpAccessControlListRecord, SipIpAddressRecord, SipDomainRecord, SipMappingRecord, SipRegistrationRecord, MessagingServiceRecord, CallRecord, InboundPendingRecord, MessageRecord, MoPartRecord, NotificationRecord, NumberRecord, AddressRecord, VerificationRecord, VerifyServiceRecord } from './records.js';

export interface Tables {
  root: RootDatabase;
  /** key: account sid */
  accounts: Database<AccountRecord, string>;
  /** key: [ownerAccountSid, dateCreated, sid] → sid: subaccounts of an owner, oldest first */
  accountsByOwner: Database<string, [string, number, string]>;
  /** key: SK sid */
  apiKeys: Database<ApiKeyRecord, string>;
  /** key: [accountSid, dateCreated, sid] → sid: an account's API keys, oldest first */
  apiKeysByAccount: Database<string, [string, number, string]>;
  /** key: MG sid */
  messagingServices: Database<MessagingServiceRecord, string>;
  /** key: [accountSid, dateCreated, sid] → sid: an account's Messaging Services, oldest first */
  messagingServicesByAccount: Database<string, [string, number, string]>;
  /** key: [serviceSid, dateAdded, PN sid] → PN sid: a service's senders, in the order they were added */
  serviceSenders: Database<string, [string, number, string]>;
  /** key: AP sid */
  applications: Database<ApplicationRecord, string>;
  /** key: [accountSid, dateCreated, sid] → sid: an account's applications, oldest first */
  applicationsByAccount: Database<string, [string, number, string]>;
  /** key: PN sid */
  numbers: Database<NumberRecord, string>;
  /** key: E.164 → PN sid */
  numberByE164: Database<string, string>;
  /** key: [accountSid, dateCreated, sid] → sid: an account's numbers, oldest first */
  numbersByAccount: Database<string, [string, number, string]>;
  /** key: SM/MM sid */
  messages: Database<MessageRecord, string>;
  /** key: [accountSid, -dateCreated, sid] → sid: an account's messages, newest first (Twilio's list order) */
  messagesByAccount: Database<string, [string, number, string]>;
  /** The durable per-sender FIFO. key: [sender E.164, seq] → sid; removed once the carrier took every segment. */
  outbox: Database<string, [string, number]>;
  /**
   * key: [carrier name, carrier message id] → the segment it was for; how a DLR finds its message. Kept like the
   * message (a repeated receipt finds it); a carrier reusing an id overwrites the entry with the new segment.
   */
  carrierIds: Database<{ sid: string; from: string; part: number }, [string, string]>;
  /** key: [sendAt, sid] → sid: messages scheduled with SendAt. */
  scheduled: Database<string, [number, string]>;
  /** key: sender E.164 → epoch ms its last segment reached the carrier */
  senderClock: Database<number, string>;
  /** key: [sender, handset] → when the handset opted out of that sender. */
  optOuts: Database<number, [string, string]>;
  /** Inbound concatenated-message parts awaiting their siblings. key: [reassembly key, part seq]. */
  moParts: Database<MoPartRecord, [string, number]>;
  /** Fingerprints of MO parts stored but not yet acknowledged to the carrier → when stored: a resend finds its twin here. */
  moUnacked: Database<number, string>;
  /** key: inbound message sid → its webhook is still owed (resumed at start). */
  inboundPending: Database<InboundPendingRecord, string>;
  /** key: AD sid */
  addresses: Database<AddressRecord, string>;
  /** key: [accountSid, dateCreated, sid] → sid: an account's addresses, oldest first */
  addressesByAccount: Database<string, [string, number, string]>;
  /** key: VA sid */
  verifyServices: Database<VerifyServiceRecord, string>;
  /** key: VE sid */
  verifications: Database<VerificationRecord, string>;
  /** key: [VA sid, To] → the VE sid of the verification that may still be checked */
  pendingVerifications: Database<string, [string, string]>;
  /** key: NO sid */
  notifications: Database<NotificationRecord, string>;
  /** key: [accountSid, -dateCreated, sid] → sid: an account's notifications, newest first */
  notificationsByAccount: Database<string, [string, number, string]>;
  /** key: QU sid */
  queues: Database<QueueRecord, string>;
  /** key: [accountSid, dateCreated, sid] → sid: an account's call queues, oldest first */
  queuesByAccount: Database<string, [string, number, string]>;
  /** key: CF sid */
  conferences: Database<ConferenceRecord, string>;
  /** key: [accountSid, -dateCreated, sid] → sid: an account's conferences, newest first (Twilio's list order) */
  conferencesByAccount: Database<string, [string, number, string]>;
  /** key: CA sid */
  calls: Database<CallRecord, string>;
  /** key: [accountSid, -dateCreated, sid] → sid: an account's calls, newest first (Twilio's list order) */
  callsByAccount: Database<string, [string, number, string]>;
  /** key: CA sid of every call not yet in a final state: what a restart must close. */
  liveCalls: Database<number, string>;
  /** key: CL sid */
  sipCredentialLists: Database<SipCredentialListRecord, string>;
  /** key: [accountSid, dateCreated, sid] → sid: an account's credential lists, oldest first */
  sipCredentialListsByAccount: Database<string, [string, number, string]>;
  /** key: CR sid */
  sipCredentials: Database<SipCredentialRecord, string>;
  /** key: [CL sid, username] → CR sid: a list's credentials, by username */
  sipCredentialsByList: Database<string, [string, string]>;
  /** key: AL sid */
  sipIpAccessControlLists: Database<SipIpAccessControlListRecord, string>;
  /** key: [accountSid, dateCreated, sid] → sid: an account's IP access control lists, oldest first */
  sipIpAccessControlListsByAccount: Database<string, [string, number, string]>;
  /** key: IP sid */
  sipIpAddresses: Database<SipIpAddressRecord, string>;
  /** key: [AL sid, dateCreated, sid] → sid: a list's addresses, oldest first */
  sipIpAddressesByList: Database<string, [string, number, string]>;
  /** key: SD sid */
  sipDomains: Database<SipDomainRecord, string>;
  /** key: [accountSid, dateCreated, sid] → sid: an account's SIP domains, oldest first */
  sipDomainsByAccount: Database<string, [string, number, string]>;
  /** key: domain name (lower case) → SD sid */
  sipDomainByName: Database<string, string>;
  /** key: [SD sid, kind, CL or AL sid]: the lists mapped to a domain */
  sipDomainMappings: Database<SipMappingRecord, [string, string, string]>;
  /** key: [SD sid, username, contact]: registered endpoints' bindings */
  sipRegistrations: Database<SipRegistrationRecord, [string, string, string]>;
  /** small singletons: default account, schema version */
  meta: Database<unknown, string>;
  /** nact persistence: key [persistenceKey, sequenceNumber] */
  actorEvents: Database<unknown, [string, number]>;
  /** nact persistence: key persistenceKey → latest snapshot */
  actorSnapshots: Database<unknown, string>;
}

/** The node's LMDB environment; every thread that opens it gets the same one (lmdb-js shares it in the process). */
export function openRoot(dataDir: string): RootDatabase {
  mkdirSync(dataDir, { recursive: true });
  return open({
    path: join(dataDir, 'tandem.lmdb'),
    maxDbs: 128,
    // 64 GiB of address space; the file only grows as data is written.
    mapSize: 64 * 1024 ** 3,
    compression: false,
  });
}

/**
 * msgpackr's shared structures for one table's records, kept in `meta` under `structures:<table>`. Without them every
 * stored object carries its own key list, written on each put and parsed again (a reader compiled for it) on each get;
 * with them a record is its values only. They live in `meta`, not under a key of the table itself (lmdb's
 * `sharedStructuresKey`), so a scan of a whole table never meets them. Records written before (keys inline) still read.
 */
function sharedStructures(meta: Database<unknown, string>, table: string) {
  const key = `structures:${table}`;
  return {
    getStructures: (): unknown[] | undefined => meta.get(key) as unknown[] | undefined,
    // msgpackr asks to save a new structure while it encodes a put; `false` means another writer got there first and
    // it reloads. Rare (once per new record shape), so a synchronous transaction is affordable, as in lmdb's own.
    saveStructures: (structures: unknown[], isCompatible: number | ((existing: unknown[] | undefined) => boolean)): boolean | undefined =>
      meta.transactionSync(() => {
        const existing = meta.get(key) as unknown[] | undefined;
        const compatible = typeof isCompatible === 'function' ? isCompatible(existing) : !existing || existing.length === isCompatible;
        if (!compatible) return false;
        void meta.put(key, structures);
        return undefined;
      }),
  };
}

export function openTables(dataDir: string): Tables {
  const root = openRoot(dataDir);
  const meta = root.openDB<unknown, string>({ name: 'meta' });
  /** A table of objects: encoded against its shared structures. */
  const records = <V, K extends Key>(name: string) => root.openDB<V, K>({ name, ...sharedStructures(meta, name) });
  return {
    root,
    accounts: records<AccountRecord, string>('accounts'),
    accountsByOwner: root.openDB<string, [string, number, string]>({ name: 'accounts_by_owner' }),
    apiKeys: records<ApiKeyRecord, string>('api_keys'),
    apiKeysByAccount: root.openDB<string, [string, number, string]>({ name: 'api_keys_by_account' }),
    messagingServices: records<MessagingServiceRecord, string>('messaging_services'),
    messagingServicesByAccount: root.openDB<string, [string, number, string]>({ name: 'messaging_services_by_account' }),
    serviceSenders: root.openDB<string, [string, number, string]>({ name: 'service_senders' }),
    applications: records<ApplicationRecord, string>('applications'),
    applicationsByAccount: root.openDB<string, [string, number, string]>({ name: 'applications_by_account' }),
    numbers: records<NumberRecord, string>('numbers'),
    numberByE164: root.openDB<string, string>({ name: 'number_by_e164' }),
    numbersByAccount: root.openDB<string, [string, number, string]>({ name: 'numbers_by_account' }),
    messages: records<MessageRecord, string>('messages'),
    messagesByAccount: root.openDB<string, [string, number, string]>({ name: 'messages_by_account' }),
    outbox: root.openDB<string, [string, number]>({ name: 'outbox' }),
    carrierIds: records<{ sid: string; from: string; part: number }, [string, string]>('carrier_ids'),
    scheduled: root.openDB<string, [number, string]>({ name: 'scheduled' }),
    optOuts: root.openDB<number, [string, string]>({ name: 'opt_outs' }),
    senderClock: root.openDB<number, string>({ name: 'sender_clock' }),
    moParts: records<MoPartRecord, [string, number]>('mo_parts'),
    moUnacked: root.openDB<number, string>({ name: 'mo_unacked' }),
    inboundPending: records<InboundPendingRecord, string>('inbound_pending'),
    addresses: records<AddressRecord, string>('addresses'),
    addressesByAccount: root.openDB<string, [string, number, string]>({ name: 'addresses_by_account' }),
    verifyServices: records<VerifyServiceRecord, string>('verify_services'),
    verifications: records<VerificationRecord, string>('verifications'),
    pendingVerifications: root.openDB<string, [string, string]>({ name: 'pending_verifications' }),
    notifications: records<NotificationRecord, string>('notifications'),
    notificationsByAccount: root.openDB<string, [string, number, string]>({ name: 'notifications_by_account' }),
    queues: records<QueueRecord, string>('queues'),
    queuesByAccount: root.openDB<string, [string, number, string]>({ name: 'queues_by_account' }),
    conferences: records<ConferenceRecord, string>('conferences'),
    conferencesByAccount: root.openDB<string, [string, number, string]>({ name: 'conferences_by_account' }),
    calls: records<CallRecord, string>('calls'),
    callsByAccount: root.openDB<string, [string, number, string]>({ name: 'calls_by_account' }),
    liveCalls: root.openDB<number, string>({ name: 'live_calls' }),
    sipCredentialLists: records<SipCredentialListRecord, string>('sip_credential_lists'),
    sipCredentialListsByAccount: root.openDB<string, [string, number, string]>({ name: 'sip_credential_lists_by_account' }),
    sipCredentials: records<SipCredentialRecord, string>('sip_credentials'),
    sipCredentialsByList: root.openDB<string, [string, string]>({ name: 'sip_credentials_by_list' }),
    sipIpAccessControlLists: records<SipIpAccessControlListRecord, string>('sip_ip_acls'),
    sipIpAccessControlListsByAccount: root.openDB<string, [string, number, string]>({ name: 'sip_ip_acls_by_account' }),
    sipIpAddresses: records<SipIpAddressRecord, string>('sip_ip_addresses'),
    sipIpAddressesByList: root.openDB<string, [string, number, string]>({ name: 'sip_ip_addresses_by_list' }),
    sipDomains: records<SipDomainRecord, string>('sip_domains'),
    sipDomainsByAccount: root.openDB<string, [string, number, string]>({ name: 'sip_domains_by_account' }),
    sipDomainByName: root.openDB<string, string>({ name: 'sip_domain_by_name' }),
    sipDomainMappings: records<SipMappingRecord, [string, string, string]>('sip_domain_mappings'),
    sipRegistrations: records<SipRegistrationRecord, [string, string, string]>('sip_registrations'),
    meta,
    actorEvents: records<unknown, [string, number]>('actor_events'),
    actorSnapshots: records<unknown, string>('actor_snapshots'),
  };
}

/**
 * Settles once every one of `writes` has (rejecting if one fails). lmdb-js hands every write of one event turn its
 * transaction's single promise, so the writes a change issues together are nearly always one promise: awaiting it
 * alone spares a `Promise.all` (a closure and a reaction per element, and its own promise) on every message. Writes
 * that landed in different transactions still get the whole `Promise.all`.
 */
export function allWritten(writes: readonly Promise<unknown>[]): Promise<unknown> {
  const first = writes[0]!;
  for (let i = 1; i < writes.length; i++) if (writes[i] !== first) return Promise.all(writes);
  return first;
}

/** Resolves once everything committed so far is flushed to disk. */
export function flushedSoFar(t: Tables): Promise<void> {
  return new Promise((resolve, reject) => {
    t.root.flushed.then(() => resolve(), reject);
  });
}

/** Resolves with `written`'s value once it, and everything committed before it, is flushed to disk. */
export function durable<T>(t: Tables, written: Promise<T>): Promise<T> {
  return written.then((v) => flushedSoFar(t).then(() => v));
}

export async function closeTables(t: Tables): Promise<void> {
  await t.root.flushed;
  await t.root.close();
}
