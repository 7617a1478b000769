// Messaging Services (MG…): a pool of an account's numbers that sends on the account's behalf (Messages create with
// MessagingServiceSid and no From picks the sender) and shares inbound and status-callback settings, as Twilio's
// Messaging v1 API has them. A number belongs to at most one service. Services and their sender lists are few and
// read on every message sent through them: cached in memory, written through to LMDB.
// `withMessagingService` is where a sender's own inbound URLs give way to its service's.
import type { Tables } from '../store/db.js';
import type { AlphaSenderRecord, DestinationAlphaSenderRecord, MessagingServiceRecord, NumberRecord } from '../store/records.js';
import { newSid } from '../util/sid.js';

export type ServiceSettings = Partial<Omit<MessagingServiceRecord, 'sid' | 'accountSid' | 'dateCreated' | 'dateUpdated' | 'alphaSender' | 'destinationAlphaSenders'>>;

/** tandem's own default for a message's time in the queue (the 36,000 s), not Twilio's 14,400 for services. */
export const DEFAULT_SERVICE_VALIDITY_S = 36_000;

export interface ServiceSender {
  pnSid: string;
  dateAdded: number;
}

/** Every alphanumeric sender ID a service sends as: its AlphaSender and its DestinationAlphaSenders. */
function alphaNames(s: MessagingServiceRecord): string[] {
  const names = (s.destinationAlphaSenders ?? []).map((d) => d.alphaSender);
  if (s.alphaSender) names.push(s.alphaSender.alphaSender);
  return names;
}

/** Short codes are SC…, numbers PN… (src/api/short-codes.ts). */
const isShortCodeSender = (x: ServiceSender): boolean => x.pnSid.startsWith('SC');

/** FNV-1a: the same recipient lands on the same sender while the pool stays the same (Twilio's sticky sender). */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export class MessagingServices {
  private readonly services = new Map<string, MessagingServiceRecord>();
  /** Service sid → its senders in the order they were added. */
  private readonly senders = new Map<string, ServiceSender[]>();
  /** Services with a short code in their pool: kept as senders change, so a send need not scan its pool to learn it. */
  private readonly withShortCodes = new Set<string>();
  /** PN sid → the service it sends for. */
  private readonly serviceOfNumber = new Map<string, string>();
  private readonly listeners: (() => void)[] = [];
  private roundRobin = 0;

  constructor(private readonly t: Tables) {
    for (const { value } of t.messagingServices.getRange({})) {
      this.services.set(value.sid, value);
      this.senders.set(value.sid, []);
    }
    for (const { key } of t.serviceSenders.getRange({})) {
      const [serviceSid, dateAdded, pnSid] = key;
      // A number released just before a crash, before it left its service (dropNumber): it leaves now.
      if (t.numbers.get(pnSid) === undefined) {
        void t.serviceSenders.remove(key);
        continue;
      }
      this.senders.get(serviceSid)?.push({ pnSid, dateAdded });
      this.serviceOfNumber.set(pnSid, serviceSid);
      if (isShortCodeSender({ pnSid, dateAdded })) this.withShortCodes.add(serviceSid);
    }
  }

  /** Called after a service's settings or senders changed: numbers' views must be derived again. */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  get(sid: string): MessagingServiceRecord | undefined {
    return this.services.get(sid);
  }

  /** The service `sid` if it belongs to `accountSid`. */
  of(accountSid: string, sid: string): MessagingServiceRecord | undefined {
    const s = this.services.get(sid);
    return s?.accountSid === accountSid ? s : undefined;
  }

  serviceOf(pnSid: string): MessagingServiceRecord | undefined {
    const sid = this.serviceOfNumber.get(pnSid);
    return sid === undefined ? undefined : this.services.get(sid);
  }

  /**
   * The service's senders, oldest first. A released number has left already (dropNumber, or the start after a crash),
   * so a message sent through the service reads no number record but its sender's.
   */
  sendersOf(serviceSid: string): readonly ServiceSender[] {
    return this.senders.get(serviceSid) ?? [];
  }

  /**
   * The sender for a message to `to`: with stickySender the same number for the same recipient while the pool
   * stays the same, otherwise the pool in turn. A short code of the destination's country (`countryOf`, asked only
   * when the pool has short codes) comes first, as on Twilio; a short code reaches its own country only, so other
   * destinations get the pool's numbers. Undefined when no sender is left for `to`.
   */
  pickSender(service: MessagingServiceRecord, to: string, countryOf: (to: string) => string): NumberRecord | undefined {
    let pool = this.sendersOf(service.sid);
    if (this.withShortCodes.has(service.sid)) {
      const country = countryOf(to);
      const codes = pool.filter((x) => isShortCodeSender(x) && this.t.numbers.get(x.pnSid)?.isoCountry === country);
      pool = codes.length > 0 ? codes : pool.filter((x) => !isShortCodeSender(x));
    }
    if (pool.length === 0) return undefined;
    const i = service.stickySender ? hash(to) % pool.length : this.roundRobin++ % pool.length;
    return this.t.numbers.get(pool[i]!.pnSid);
  }

  async create(accountSid: string, settings: ServiceSettings & { friendlyName: string }): Promise<MessagingServiceRecord> {
    const now = Date.now();
    const s: MessagingServiceRecord = {
      inboundRequestUrl: null,
      inboundMethod: 'POST',
      fallbackUrl: null,
      fallbackMethod: 'POST',
      statusCallback: null,
      stickySender: true,
      useInboundWebhookOnNumber: false,
      validityPeriod: DEFAULT_SERVICE_VALIDITY_S,
      // On by default for new services, as on Twilio.
      smartEncoding: true,
      ...settings,
      sid: newSid('MG', now),
      accountSid,
      dateCreated: now,
      dateUpdated: now,
    };
    this.services.set(s.sid, s);
    this.senders.set(s.sid, []);
    await Promise.all([this.t.messagingServices.put(s.sid, s), this.t.messagingServicesByAccount.put([accountSid, now, s.sid], s.sid)]);
    return s;
  }

  async update(s: MessagingServiceRecord, settings: ServiceSettings): Promise<MessagingServiceRecord> {
    const updated: MessagingServiceRecord = { ...s, ...settings, dateUpdated: Date.now() };
    this.services.set(s.sid, updated);
    this.changed();
    await this.t.messagingServices.put(s.sid, updated);
    return updated;
  }

  /** Its numbers stay the account's, back on their own settings. */
  async remove(s: MessagingServiceRecord): Promise<void> {
    const senders = this.senders.get(s.sid) ?? [];
    this.services.delete(s.sid);
    this.senders.delete(s.sid);
    this.withShortCodes.delete(s.sid);
    for (const x of senders) this.serviceOfNumber.delete(x.pnSid);
    this.changed();
    await Promise.all([
      this.t.messagingServices.remove(s.sid),
      this.t.messagingServicesByAccount.remove([s.accountSid, s.dateCreated, s.sid]),
      ...senders.map((x) => this.t.serviceSenders.remove([s.sid, x.dateAdded, x.pnSid])),
    ]);
  }

  /** Caller checked the number is the service account's and in no service. */
  async addSender(s: MessagingServiceRecord, pnSid: string): Promise<ServiceSender> {
    const sender = { pnSid, dateAdded: Date.now() };
    this.senders.get(s.sid)?.push(sender);
    if (isShortCodeSender(sender)) this.withShortCodes.add(s.sid);
    this.serviceOfNumber.set(pnSid, s.sid);
    this.changed();
    await this.t.serviceSenders.put([s.sid, sender.dateAdded, pnSid], pnSid);
    return sender;
  }

  async removeSender(s: MessagingServiceRecord, sender: ServiceSender): Promise<void> {
    const list = this.senders.get(s.sid);
    const at = list?.findIndex((x) => x.pnSid === sender.pnSid) ?? -1;
    if (at >= 0) list!.splice(at, 1);
    if (!list?.some(isShortCodeSender)) this.withShortCodes.delete(s.sid);
    this.serviceOfNumber.delete(sender.pnSid);
    this.changed();
    await this.t.serviceSenders.remove([s.sid, sender.dateAdded, sender.pnSid]);
  }

  /**
   * Gives the service its alpha sender. Refused when it has one already (Twilio allows one per service) or when
   * another account's service sends as that name: the name's queue is shared by whoever sends as it, so it stays
   * within one account.
   */
  async setAlphaSender(s: MessagingServiceRecord, alpha: string): Promise<{ ok: true; record: AlphaSenderRecord } | { ok: false; reason: 'has-one' | 'taken' }> {
    if (s.alphaSender) return { ok: false, reason: 'has-one' };
    if (this.takenElsewhere(s, alpha)) return { ok: false, reason: 'taken' };
    const now = Date.now();
    const record: AlphaSenderRecord = { sid: newSid('AI', now), alphaSender: alpha, dateCreated: now };
    await this.save({ ...s, alphaSender: record, dateUpdated: now });
    return { ok: true, record };
  }

  /**
   * Gives the service an alpha sender for the destinations of one country (`iso`), or for every country without one
   * of its own (null). Refused when the service has one for that already, or the name is another account's.
   */
  async addDestinationAlphaSender(
    s: MessagingServiceRecord,
    alpha: string,
    iso: string | null,
  ): Promise<{ ok: true; record: DestinationAlphaSenderRecord } | { ok: false; reason: 'has-one' | 'taken' }> {
    const list = s.destinationAlphaSenders ?? [];
    if (list.some((d) => d.isoCountryCode === iso)) return { ok: false, reason: 'has-one' };
    if (this.takenElsewhere(s, alpha)) return { ok: false, reason: 'taken' };
    const now = Date.now();
    const record: DestinationAlphaSenderRecord = { sid: newSid('AI', now), alphaSender: alpha, isoCountryCode: iso, dateCreated: now };
    await this.save({ ...s, destinationAlphaSenders: [...list, record], dateUpdated: now });
    return { ok: true, record };
  }

  async removeDestinationAlphaSender(s: MessagingServiceRecord, sid: string): Promise<void> {
    await this.save({ ...s, destinationAlphaSenders: (s.destinationAlphaSenders ?? []).filter((d) => d.sid !== sid), dateUpdated: Date.now() });
  }

  /**
   * The name the service sends as to a destination that takes alpha senders: its DestinationAlphaSender for the
   * destination's country (`countryOf`, asked only when it has some), else its one for any country, else its
   * AlphaSender; undefined for none (the service sends from its pool).
   */
  alphaSenderFor(s: MessagingServiceRecord, to: string, countryOf: (to: string) => string): string | undefined {
    const list = s.destinationAlphaSenders ?? [];
    if (list.length > 0) {
      const country = list.some((d) => d.isoCountryCode !== null) ? countryOf(to) : null;
      const hit = (country !== null && list.find((d) => d.isoCountryCode === country)) || list.find((d) => d.isoCountryCode === null);
      if (hit) return hit.alphaSender;
    }
    return s.alphaSender?.alphaSender;
  }

  /** Whether a service of another account sends as `alpha`: the name's queue is shared, so it stays in one account. */
  private takenElsewhere(s: MessagingServiceRecord, alpha: string): boolean {
    for (const other of this.services.values()) if (other.accountSid !== s.accountSid && alphaNames(other).includes(alpha)) return true;
    return false;
  }

  private async save(updated: MessagingServiceRecord): Promise<void> {
    this.services.set(updated.sid, updated);
    await this.t.messagingServices.put(updated.sid, updated);
  }

  async removeAlphaSender(s: MessagingServiceRecord): Promise<void> {
    await this.save({ ...s, alphaSender: null, dateUpdated: Date.now() });
  }

  /** Whether one of the account's services sends as `alpha`. */
  ownsAlphaSender(accountSid: string, alpha: string): boolean {
    for (const s of this.services.values()) if (s.accountSid === accountSid && alphaNames(s).includes(alpha)) return true;
    return false;
  }

  /** The number `pnSid` was released: it is no sender of any service any more. */
  async dropNumber(pnSid: string): Promise<void> {
    const s = this.serviceOf(pnSid);
    const sender = s && this.senders.get(s.sid)?.find((x) => x.pnSid === pnSid);
    if (s && sender) await this.removeSender(s, sender);
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }
}

/**
 * The number as its texts see it when it sends for a Messaging Service: it carries the service's SID (for the
 * webhook's MessagingServiceSid), and unless the service defers to the number (useInboundWebhookOnNumber), the
 * service's inbound URLs replace the number's own. The record itself for a number in no service.
 */
export function withMessagingService(n: NumberRecord, services: MessagingServices): NumberRecord {
  const s = services.serviceOf(n.sid);
  if (!s) return n;
  const out: NumberRecord = { ...n, messagingServiceSid: s.sid };
  if (!s.useInboundWebhookOnNumber && s.inboundRequestUrl) {
    out.smsUrl = s.inboundRequestUrl;
    out.smsMethod = s.inboundMethod;
    out.smsFallbackUrl = s.fallbackUrl;
    out.smsFallbackMethod = s.fallbackMethod;
  }
  return out;
}
