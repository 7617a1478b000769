// Provisioned numbers: buying takes a number out of the inventory and gives it to an account in one LMDB
// transaction (so of two accounts racing for a number exactly one wins); releasing puts it back.
import type { Inventory, AvailableNumber } from '../inventory/index.js';
import type { Tables } from '../store/db.js';
import type { AccountRecord, HttpMethod, NumberRecord } from '../store/records.js';
import { newSid } from '../util/sid.js';
import { badRequest } from '../api/errors.js';

export interface NumberSettings {
  friendlyName?: string;
  smsUrl?: string | null;
  smsMethod?: HttpMethod;
  smsFallbackUrl?: string | null;
  smsFallbackMethod?: HttpMethod;
  voiceUrl?: string | null;
  voiceMethod?: HttpMethod;
  voiceFallbackUrl?: string | null;
  voiceFallbackMethod?: HttpMethod;
  statusCallback?: string | null;
  statusCallbackMethod?: HttpMethod;
  voiceCallerIdLookup?: boolean;
  /** An application of the number's account whose URLs answer its texts (null: the number's own again). */
  smsApplicationSid?: string | null;
  /** An application of the number's account whose URLs answer its calls. */
  voiceApplicationSid?: string | null;
  /** The end user's address (AD…) the number's address_requirements ask for; null for none. */
  addressSid?: string | null;
  /** Moves the number to this account (Twilio's transfer between a main account and its subaccounts). */
  accountSid?: string;
  /** tandem extension: segments per second for this sender, overriding its class's default. */
  rateOverride?: number | null;
}

export class Numbers {
  constructor(
    private readonly t: Tables,
    private readonly inventory: Inventory,
    /** Told after a number's configuration changed, so its actor picks it up. */
    private readonly changed: (e164: string) => void,
  ) {}

  byE164(e164: string): NumberRecord | undefined {
    const sid = this.t.numberByE164.get(e164);
    return sid ? this.t.numbers.get(sid) : undefined;
  }

  get(sid: string): NumberRecord | undefined {
    return this.t.numbers.get(sid);
  }

  /** `want.type` (typed IncomingPhoneNumbers/{Local,TollFree,Mobile}.json) limits an AreaCode pick to that type. */
  async buy(
    account: AccountRecord,
    want: { phoneNumber?: string; areaCode?: string; type?: NumberRecord['numberType'] },
    settings: NumberSettings,
  ): Promise<NumberRecord> {
    const now = Date.now();
    const sid = newSid('PN');
    const bought = await this.t.root.transaction(() => {
      let n: AvailableNumber | undefined;
      if (want.phoneNumber !== undefined) n = this.inventory.takeSync(want.phoneNumber);
      else {
        const first = this.inventory.firstInAreaCodeSync(want.areaCode!, 'US') ?? this.inventory.firstInAreaCodeSync(want.areaCode!, 'CA');
        if (first && (want.type === undefined || first.type === want.type)) n = this.inventory.takeSync(first.phone_number);
      }
      if (!n) return undefined;
      const record = newRecord(sid, account.sid, n, settings, now);
      void this.t.numbers.put(sid, record);
      void this.t.numberByE164.put(record.phoneNumber, sid);
      void this.t.numbersByAccount.put([account.sid, now, sid], sid);
      return record;
    });
    if (!bought) {
      if (want.phoneNumber !== undefined) throw badRequest(21422, `PhoneNumber ${want.phoneNumber} is not available.`);
      throw badRequest(21452, `No phone numbers found in area code ${want.areaCode}.`);
    }
    this.changed(bought.phoneNumber);
    return bought;
  }

  /**
   * Applies settings to the number as it is now, not as the caller read it: the read, the fallback check and the
   * write happen in one write transaction, so concurrent updates all stick and an update that loses a race with a
   * release does not bring the number back. Undefined when the number was released meanwhile.
   */
  async update(n: NumberRecord, s: NumberSettings): Promise<NumberRecord | undefined> {
    let refused: unknown;
    const updated = await this.t.root.transaction(() => {
      const current = this.t.numbers.get(n.sid);
      if (!current) return undefined;
      const moving = s.accountSid !== undefined && s.accountSid !== current.accountSid;
      // The old account's applications do not come along.
      const dropped: Partial<NumberRecord> = moving ? { smsApplicationSid: null, voiceApplicationSid: null } : {};
      const next: NumberRecord = { ...current, ...dropped, ...definedOnly(s), dateUpdated: Date.now() };
      try {
        checkFallbacks(next);
      } catch (err) {
        refused = err;
        return undefined;
      }
      void this.t.numbers.put(n.sid, next);
      if (moving) {
        void this.t.numbersByAccount.remove([current.accountSid, current.dateCreated, n.sid]);
        void this.t.numbersByAccount.put([next.accountSid, current.dateCreated, n.sid], n.sid);
      }
      return next;
    });
    if (refused) throw refused;
    if (updated) this.changed(n.phoneNumber);
    return updated;
  }

  /**
   * Gives the account a short code its carrier leased (tandem's stand-in for Twilio's short-code application): an
   * SMS-only sender paced at the short-code rate. Undefined when some account has it already.
   */
  async addShortCode(account: AccountRecord, code: string, isoCountry: string, settings: NumberSettings): Promise<NumberRecord | undefined> {
    const now = Date.now();
    const sid = newSid('SC');
    const added = await this.t.root.transaction(() => {
      if (this.t.numberByE164.get(code) !== undefined) return undefined;
      const record = shortCodeRecord(sid, account.sid, code, isoCountry, settings, now);
      void this.t.numbers.put(sid, record);
      void this.t.numberByE164.put(code, sid);
      void this.t.numbersByAccount.put([account.sid, now, sid], sid);
      return record;
    });
    if (added) this.changed(code);
    return added;
  }

  /** Returns the number to the inventory; false if it was already released (by a concurrent request). */
  async release(n: NumberRecord): Promise<boolean> {
    const released = await this.t.root.transaction(() => {
      if (this.t.numbers.get(n.sid) === undefined) return false;
      void this.t.numbers.remove(n.sid);
      void this.t.numberByE164.remove(n.phoneNumber);
      void this.t.numbersByAccount.remove([n.accountSid, n.dateCreated, n.sid]);
      // A short code never came from the inventory: it goes back to the carrier that leased it.
      if (n.numberType !== 'shortCode') this.inventory.putBackSync(n.inventory as AvailableNumber);
      return true;
    });
    if (released) this.changed(n.phoneNumber);
    return released;
  }
}

function definedOnly(s: NumberSettings): Partial<NumberRecord> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) if (v !== undefined) out[k] = v;
  return out as Partial<NumberRecord>;
}

/** Twilio refuses a fallback URL without its primary URL. */
export function checkFallbacks(n: Pick<NumberRecord, 'voiceUrl' | 'voiceFallbackUrl' | 'smsUrl' | 'smsFallbackUrl'>): void {
  if (n.voiceFallbackUrl && !n.voiceUrl) throw badRequest(21405, 'A VoiceFallbackUrl cannot be set without a VoiceUrl.');
  if (n.smsFallbackUrl && !n.smsUrl) throw badRequest(21406, 'An SmsFallbackUrl cannot be set without an SmsUrl.');
}

function newRecord(sid: string, accountSid: string, n: AvailableNumber, s: NumberSettings, now: number): NumberRecord {
  return withDefaults(
    {
      sid,
      accountSid,
      phoneNumber: n.phone_number,
      friendlyName: n.friendly_name,
      isoCountry: n.iso_country,
      numberType: n.type,
      senderClass: n.sender_class,
      capabilities: { ...n.capabilities },
      addressRequirements: n.address_requirements,
      inventory: n,
    },
    s,
    now,
  );
}

function shortCodeRecord(sid: string, accountSid: string, code: string, isoCountry: string, s: NumberSettings, now: number): NumberRecord {
  return withDefaults(
    {
      sid,
      accountSid,
      phoneNumber: code,
      friendlyName: code,
      isoCountry,
      numberType: 'shortCode',
      senderClass: 'short_code',
      capabilities: { voice: false, sms: true, mms: false, fax: false },
      addressRequirements: 'none',
      inventory: null,
    },
    s,
    now,
  );
}

type NumberIdentity = Pick<
  NumberRecord,
  'sid' | 'accountSid' | 'phoneNumber' | 'friendlyName' | 'isoCountry' | 'numberType' | 'senderClass' | 'capabilities' | 'addressRequirements' | 'inventory'
>;

/** A new number's record: what it is, no URLs of its own yet, then the settings it was bought with. */
function withDefaults(id: NumberIdentity, s: NumberSettings, now: number): NumberRecord {
  const r: NumberRecord = {
    ...id,
    rateOverride: null,
    smsUrl: null,
    smsMethod: 'POST',
    smsFallbackUrl: null,
    smsFallbackMethod: 'POST',
    voiceUrl: null,
    voiceMethod: 'POST',
    voiceFallbackUrl: null,
    voiceFallbackMethod: 'POST',
    statusCallback: null,
    statusCallbackMethod: 'POST',
    voiceCallerIdLookup: false,
    smsApplicationSid: null,
    voiceApplicationSid: null,
    dateCreated: now,
    dateUpdated: now,
  };
  return { ...r, ...definedOnly(s) };
}
