// TwiML applications (AP…): one set of voice and SMS URLs that numbers (VoiceApplicationSid, SmsApplicationSid),
// API calls (ApplicationSid) and API messages (ApplicationSid) point at by SID, so changing the application changes
// them all at once, as on Twilio. Few and read on every text and call of a number that uses one: cached in memory,
// written through to LMDB. `withApplications` is where a number's own URLs give way to its applications'.
import type { Tables } from '../store/db.js';
import type { ApplicationRecord, NumberRecord } from '../store/records.js';
import { newSid } from '../util/sid.js';

export type ApplicationSettings = Partial<Omit<ApplicationRecord, 'sid' | 'accountSid' | 'dateCreated' | 'dateUpdated'>>;

const DEFAULTS: Omit<ApplicationRecord, 'sid' | 'accountSid' | 'dateCreated' | 'dateUpdated'> = {
  friendlyName: '',
  apiVersion: '2010-04-01',
  voiceUrl: null,
  voiceMethod: 'POST',
  voiceFallbackUrl: null,
  voiceFallbackMethod: 'POST',
  statusCallback: null,
  statusCallbackMethod: 'POST',
  voiceCallerIdLookup: false,
  smsUrl: null,
  smsMethod: 'POST',
  smsFallbackUrl: null,
  smsFallbackMethod: 'POST',
  smsStatusCallback: null,
  messageStatusCallback: null,
  publicApplicationConnectEnabled: false,
};

export class Applications {
  private readonly cache = new Map<string, ApplicationRecord>();
  private readonly listeners: (() => void)[] = [];

  constructor(private readonly t: Tables) {
    for (const { value } of t.applications.getRange({})) this.cache.set(value.sid, value);
  }

  /** Called after any application changed or went: what was derived from applications must be derived again. */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  get(sid: string): ApplicationRecord | undefined {
    return this.cache.get(sid);
  }

  /** The application `sid` if it belongs to `accountSid`. */
  of(accountSid: string, sid: string): ApplicationRecord | undefined {
    const app = this.cache.get(sid);
    return app?.accountSid === accountSid ? app : undefined;
  }

  async create(accountSid: string, settings: ApplicationSettings): Promise<ApplicationRecord> {
    const now = Date.now();
    const app: ApplicationRecord = { ...DEFAULTS, ...settings, sid: newSid('AP', now), accountSid, dateCreated: now, dateUpdated: now };
    this.cache.set(app.sid, app);
    await Promise.all([this.t.applications.put(app.sid, app), this.t.applicationsByAccount.put([accountSid, now, app.sid], app.sid)]);
    return app;
  }

  async update(app: ApplicationRecord, settings: ApplicationSettings): Promise<ApplicationRecord> {
    const updated: ApplicationRecord = { ...app, ...settings, dateUpdated: Date.now() };
    this.cache.set(app.sid, updated);
    this.changed();
    await this.t.applications.put(app.sid, updated);
    return updated;
  }

  /** Numbers still naming it fall back to their own URLs, as Twilio's do. */
  async remove(app: ApplicationRecord): Promise<void> {
    this.cache.delete(app.sid);
    this.changed();
    await Promise.all([this.t.applications.remove(app.sid), this.t.applicationsByAccount.remove([app.accountSid, app.dateCreated, app.sid])]);
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }
}

/**
 * The number as its texts and calls see it: with an SmsApplicationSid its SMS URLs are the application's, with a
 * VoiceApplicationSid its voice URLs and status callback are. The record itself when it names no application
 * (that still exists), so the common case allocates nothing.
 */
export function withApplications(n: NumberRecord, apps: Applications): NumberRecord {
  const sms = n.smsApplicationSid ? apps.of(n.accountSid, n.smsApplicationSid) : undefined;
  const voice = n.voiceApplicationSid ? apps.of(n.accountSid, n.voiceApplicationSid) : undefined;
  if (!sms && !voice) return n;
  const out: NumberRecord = { ...n };
  if (sms) {
    out.smsUrl = sms.smsUrl;
    out.smsMethod = sms.smsMethod;
    out.smsFallbackUrl = sms.smsFallbackUrl;
    out.smsFallbackMethod = sms.smsFallbackMethod;
  }
  if (voice) {
    out.voiceUrl = voice.voiceUrl;
    out.voiceMethod = voice.voiceMethod;
    out.voiceFallbackUrl = voice.voiceFallbackUrl;
    out.voiceFallbackMethod = voice.voiceFallbackMethod;
    out.statusCallback = voice.statusCallback;
    out.statusCallbackMethod = voice.statusCallbackMethod;
    out.voiceCallerIdLookup = voice.voiceCallerIdLookup;
  }
  return out;
}
