// Shared steps of the inbound SMS tests: buy a number wired to a webhook app, text it from the sandbox handset,
// read what the sandbox carrier received (the replies).
import assert from 'node:assert/strict';
import type { Tandem } from '../helpers/tandem.js';

export interface SandboxMsg { from: string; to: string; body: string; segments: number; received_at: string }

export async function sandboxMessages(t: Tandem): Promise<SandboxMsg[]> {
  const r = await fetch(t.url + '/sandbox/Messages.json');
  return ((await r.json()) as { messages: SandboxMsg[] }).messages;
}

let areaCodes = [415, 212, 312, 617, 206, 303, 512, 305, 702, 503, 615, 404, 213, 718, 646, 773];
let nextArea = 0;

/** Buys a number with the given IncomingPhoneNumber parameters (SmsUrl, SmsMethod, …); replies paced fast. */
export async function buyNumber(t: Tandem, extra: Record<string, string>): Promise<string> {
  const areaCode = areaCodes[nextArea++ % areaCodes.length]!;
  const [n] = await t.client().availablePhoneNumbers('US').local.list({ areaCode, smsEnabled: true, limit: 1 });
  assert.ok(n, `a number in ${areaCode}`);
  const r = await t.fetch(`/2010-04-01/Accounts/${t.accountSid}/IncomingPhoneNumbers.json`, {
    method: 'POST',
    body: new URLSearchParams({ PhoneNumber: n.phoneNumber, TandemSendRate: '200', ...extra }),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(r.status, 201, await r.clone().text());
  return n.phoneNumber;
}

/** The sandbox handset texts `to`; resolves once tandem acknowledged every part over SMPP. */
export async function textFromHandset(t: Tandem, from: string, to: string, body: string): Promise<void> {
  const r = await fetch(t.url + '/sandbox/Messages', {
    method: 'POST',
    body: new URLSearchParams({ From: from, To: to, Body: body }),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(r.status, 201, await r.clone().text());
}

export interface NotificationJson {
  sid: string;
  error_code: string;
  log: string;
  message_text: string;
  request_url: string | null;
  request_method: string | null;
  [k: string]: unknown;
}

export async function notifications(t: Tandem, query = ''): Promise<NotificationJson[]> {
  const r = await t.fetch(`/2010-04-01/Accounts/${t.accountSid}/Notifications.json?PageSize=1000${query}`);
  assert.equal(r.status, 200);
  return ((await r.json()) as { notifications: NotificationJson[] }).notifications;
}

/** Notifications about one inbound message (message_text carries its MessageSid, as Twilio's does). */
export async function notificationsFor(t: Tandem, messageSid: string): Promise<NotificationJson[]> {
  return (await notifications(t)).filter((n) => new URLSearchParams(n.message_text).get('MessageSid') === messageSid);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
