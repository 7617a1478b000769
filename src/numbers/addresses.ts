// Addresses (AD…): the end users' addresses an account keeps, because regulators require one for some numbers.
// A number's address_requirements say which will do (src/inventory/blocks.ts: tandem's GB stock needs one):
// `any` address of the account, a `local` one (in the number's country) or a `foreign` one (outside it). Buying
// such a number, or moving its address, takes an AddressSid that meets it, else 21631 as on Twilio.
import { badRequest } from '../api/errors.js';
import type { Tables } from '../store/db.js';
import type { AddressRecord, NumberRecord } from '../store/records.js';
import { newSid } from '../util/sid.js';

export type AddressFields = Omit<AddressRecord, 'sid' | 'accountSid' | 'dateCreated' | 'dateUpdated'>;

export class Addresses {
  constructor(private readonly t: Tables) {}

  get(accountSid: string, sid: string): AddressRecord | undefined {
    const a = this.t.addresses.get(sid);
    return a?.accountSid === accountSid ? a : undefined;
  }

  async create(accountSid: string, fields: AddressFields): Promise<AddressRecord> {
    const now = Date.now();
    const a: AddressRecord = { ...fields, sid: newSid('AD', now), accountSid, dateCreated: now, dateUpdated: now };
    await Promise.all([this.t.addresses.put(a.sid, a), this.t.addressesByAccount.put([accountSid, now, a.sid], a.sid)]);
    return a;
  }

  async update(a: AddressRecord, fields: Partial<AddressFields>): Promise<AddressRecord> {
    const updated = { ...a, ...fields, dateUpdated: Date.now() };
    await this.t.addresses.put(a.sid, updated);
    return updated;
  }

  /** The account's numbers that rely on the address (DependentPhoneNumbers). */
  dependents(a: AddressRecord): NumberRecord[] {
    const out: NumberRecord[] = [];
    for (const { value } of this.t.numbersByAccount.getRange({ start: [a.accountSid, 0, ''], end: [a.accountSid, Number.MAX_SAFE_INTEGER, ''] })) {
      const n = this.t.numbers.get(value);
      if (n?.addressSid === a.sid) out.push(n);
    }
    return out;
  }

  /** Refused while a number relies on it: the number would be left without the address its regulator asks for. */
  async remove(a: AddressRecord): Promise<void> {
    const dependents = this.dependents(a);
    if (dependents.length > 0) {
      throw badRequest(21000, `Address ${a.sid} cannot be deleted: ${dependents.map((n) => n.phoneNumber).join(', ')} depend on it; give them another address or release them first.`);
    }
    await Promise.all([this.t.addresses.remove(a.sid), this.t.addressesByAccount.remove([a.accountSid, a.dateCreated, a.sid])]);
  }

  /**
   * The address a number gets, checked against what its regulator asks (`requirement`, in `isoCountry`): the given
   * AddressSid's address, or null when none is needed and none is given. Throws 21631 when it does not meet it.
   */
  forNumber(accountSid: string, addressSid: string | null | undefined, requirement: string, isoCountry: string, phoneNumber: string): string | null {
    const given = addressSid ? this.get(accountSid, addressSid) : undefined;
    if (addressSid && !given) throw badRequest(21631, `Phone Number Requires an Address: ${addressSid} is not an address of this account.`);
    if (requirement === 'none') return given?.sid ?? null;
    if (!given) throw badRequest(21631, `Phone Number Requires an Address: ${phoneNumber} needs ${describe(requirement, isoCountry)}; pass its AddressSid.`);
    if (requirement === 'local' && given.isoCountry !== isoCountry) {
      throw badRequest(21631, `Phone Number Requires an Address: ${phoneNumber} needs ${describe(requirement, isoCountry)}, and ${given.sid} is in ${given.isoCountry}.`);
    }
    if (requirement === 'foreign' && given.isoCountry === isoCountry) {
      throw badRequest(21631, `Phone Number Requires an Address: ${phoneNumber} needs ${describe(requirement, isoCountry)}, and ${given.sid} is in ${given.isoCountry}.`);
    }
    return given.sid;
  }
}

function describe(requirement: string, isoCountry: string): string {
  if (requirement === 'local') return `an address in ${isoCountry}`;
  if (requirement === 'foreign') return `an address outside ${isoCountry}`;
  return 'an address';
}
