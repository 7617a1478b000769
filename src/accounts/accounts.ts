// Accounts and subaccounts. Accounts are few and read on every API request, so they are cached in memory and
// written through to LMDB (the cache is filled from LMDB at start).
import type { Tables } from '../store/db.js';
import type { AccountRecord, AccountStatus } from '../store/records.js';
import { newAuthToken, newSid } from '../util/sid.js';

export class Accounts {
  private readonly cache = new Map<string, AccountRecord>();

  constructor(private readonly t: Tables) {
    for (const { value } of t.accounts.getRange({})) this.cache.set(value.sid, value);
  }

  get(sid: string): AccountRecord | undefined {
    return this.cache.get(sid);
  }

  /** The default account: from the environment when given, else the one generated on first start. */
  async ensureDefault(sid: string | undefined, token: string | undefined): Promise<{ account: AccountRecord; created: boolean }> {
    const storedSid = this.t.meta.get('default_account') as string | undefined;
    const wantedSid = sid ?? storedSid ?? newSid('AC');
    const existing = this.cache.get(wantedSid);
    if (existing) {
      if (token !== undefined && existing.authToken !== token) {
        const updated = { ...existing, authToken: token, dateUpdated: Date.now() };
        await this.save(updated);
        return { account: updated, created: false };
      }
      if (storedSid !== wantedSid) await this.t.meta.put('default_account', wantedSid);
      return { account: existing, created: false };
    }
    const now = Date.now();
    const account: AccountRecord = {
      sid: wantedSid,
      authToken: token ?? newAuthToken(),
      friendlyName: 'tandem default account',
      status: 'active',
      type: 'Full',
      ownerAccountSid: wantedSid,
      dateCreated: now,
      dateUpdated: now,
    };
    await Promise.all([this.save(account), this.t.meta.put('default_account', wantedSid)]);
    return { account, created: true };
  }

  async createSubaccount(owner: AccountRecord, friendlyName: string | undefined): Promise<AccountRecord> {
    const now = Date.now();
    const sid = newSid('AC');
    const account: AccountRecord = {
      sid,
      authToken: newAuthToken(),
      friendlyName: friendlyName ?? `SubAccount Created at ${new Date(now).toUTCString()}`,
      status: 'active',
      type: 'Full',
      ownerAccountSid: owner.sid,
      dateCreated: now,
      dateUpdated: now,
    };
    await Promise.all([this.save(account), this.t.accountsByOwner.put([owner.sid, now, sid], sid)]);
    return account;
  }

  async update(a: AccountRecord, changes: { friendlyName?: string; status?: AccountStatus }): Promise<AccountRecord> {
    const updated: AccountRecord = {
      ...a,
      ...(changes.friendlyName !== undefined ? { friendlyName: changes.friendlyName } : {}),
      ...(changes.status !== undefined ? { status: changes.status } : {}),
      dateUpdated: Date.now(),
    };
    await this.save(updated);
    return updated;
  }

  /** May `actor` act on `target`'s resources? Itself, or a subaccount it owns. */
  canAct(actor: AccountRecord, target: AccountRecord): boolean {
    return actor.sid === target.sid || target.ownerAccountSid === actor.sid;
  }

  private async save(a: AccountRecord): Promise<void> {
    this.cache.set(a.sid, a);
    await this.t.accounts.put(a.sid, a);
  }
}
