// API keys (SK…): credentials an account hands out instead of its Auth Token, each revocable on its own. Twilio's
// client authenticates with `twilio(keySid, keySecret, { accountSid })`. The secret is shown once, when the key is
// created; only its SHA-256 is stored. Keys are few and checked on every request that uses one, so they are cached
// in memory and written through to LMDB, as accounts are.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Tables } from '../store/db.js';
import type { ApiKeyRecord } from '../store/records.js';
import { newSid } from '../util/sid.js';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** 32 alphanumeric characters, as Twilio's key secrets are (~190 bits). */
function newSecret(): string {
  let out = '';
  // 248 = 4 × 62: bytes at or above it are dropped, so every character is equally likely.
  while (out.length < 32) {
    for (const b of randomBytes(48)) if (b < 248 && out.length < 32) out += ALPHANUMERIC[b % 62];
  }
  return out;
}

const hash = (secret: string): Buffer => createHash('sha256').update(secret, 'utf8').digest();

export class ApiKeys {
  private readonly cache = new Map<string, ApiKeyRecord>();

  constructor(private readonly t: Tables) {
    for (const { value } of t.apiKeys.getRange({})) this.cache.set(value.sid, value);
  }

  get(sid: string): ApiKeyRecord | undefined {
    return this.cache.get(sid);
  }

  /** The key named `sid` if `secret` is its secret. */
  verify(sid: string, secret: string): ApiKeyRecord | undefined {
    const key = this.cache.get(sid);
    if (!key) return undefined;
    const given = hash(secret);
    const stored = Buffer.from(key.secretHash, 'hex');
    return given.length === stored.length && timingSafeEqual(given, stored) ? key : undefined;
  }

  /** A new key of `accountSid`, with its secret (the only time the secret is known). */
  async create(accountSid: string, friendlyName: string | undefined): Promise<{ key: ApiKeyRecord; secret: string }> {
    const now = Date.now();
    const secret = newSecret();
    const key: ApiKeyRecord = {
      sid: newSid('SK', now),
      accountSid,
      // Twilio leaves an unnamed key's friendly_name empty.
      friendlyName: friendlyName ?? '',
      secretHash: hash(secret).toString('hex'),
      dateCreated: now,
      dateUpdated: now,
    };
    this.cache.set(key.sid, key);
    await Promise.all([this.t.apiKeys.put(key.sid, key), this.t.apiKeysByAccount.put([accountSid, now, key.sid], key.sid)]);
    return { key, secret };
  }

  async rename(key: ApiKeyRecord, friendlyName: string): Promise<ApiKeyRecord> {
    const updated: ApiKeyRecord = { ...key, friendlyName, dateUpdated: Date.now() };
    this.cache.set(key.sid, updated);
    await this.t.apiKeys.put(key.sid, updated);
    return updated;
  }

  /** Revokes the key: from this moment on it authenticates nothing. */
  async remove(key: ApiKeyRecord): Promise<void> {
    this.cache.delete(key.sid);
    await Promise.all([this.t.apiKeys.remove(key.sid), this.t.apiKeysByAccount.remove([key.accountSid, key.dateCreated, key.sid])]);
  }
}
