// Shared by the voice and calls integration tests: numbers with a VoiceUrl, sipp callers aimed at tandem's SIP
// port, TwiML built with twilio's VoiceResponse, and polling the Calls API.
import assert from 'node:assert/strict';
import twilio from 'twilio';
import type { Tandem } from '../helpers/tandem.js';
import { waitUntil } from '../helpers/webhook-app.js';
import { runSipp, type PeerResult } from '../sip/sipp.js';

export type VoiceResponse = InstanceType<typeof twilio.twiml.VoiceResponse>;

export function voiceTwiml(build: (r: VoiceResponse) => void): string {
  const r = new twilio.twiml.VoiceResponse();
  build(r);
  return r.toString();
}

let nextArea = 0;
const areaCodes = ['415', '212', '312', '617', '206', '303', '512', '646', '702', '404'];

/** Buys a US local number for the default account with the given settings (VoiceUrl, StatusCallback, ...). */
export async function buyVoiceNumber(t: Tandem, settings: Record<string, string>): Promise<string> {
  for (let i = 0; i < areaCodes.length; i++) {
    const areaCode = areaCodes[(nextArea++ + process.pid) % areaCodes.length]!;
    const r = await t.fetch(`/2010-04-01/Accounts/${t.accountSid}/IncomingPhoneNumbers.json`, {
      method: 'POST',
      body: new URLSearchParams({ AreaCode: areaCode, ...settings }),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    if (r.status === 201) return ((await r.json()) as { phone_number: string }).phone_number;
  }
  assert.fail('no number could be bought');
}

export function sipTarget(t: Tandem): string {
  return `127.0.0.1:${t.env.TANDEM_SIP_PORT}`;
}

/** A sipp caller from `from` dialing `number` at tandem with one of our voice-*.xml scenarios. */
export function callTandem(t: Tandem, scenario: string, number: string, opts: { from?: string; holdMs?: number; vars?: Record<string, string> } = {}): Promise<PeerResult> {
  return runSipp({
    scenario: { file: scenario, vars: { FROM: opts.from ?? '+15550001111', ...opts.vars } },
    remote: sipTarget(t),
    extraArgs: ['-s', number, '-d', String(opts.holdMs ?? 1000)],
    killAfterMs: 30_000,
  });
}

export interface CallJson {
  sid: string;
  status: string;
  direction: string;
  from: string;
  to: string;
  duration: string | null;
  start_time: string | null;
  end_time: string | null;
  parent_call_sid: string | null;
  [k: string]: unknown;
}

export async function listCalls(t: Tandem, query = ''): Promise<CallJson[]> {
  const r = await t.fetch(`/2010-04-01/Accounts/${t.accountSid}/Calls.json${query}`);
  assert.equal(r.status, 200);
  return ((await r.json()) as { calls: CallJson[] }).calls;
}

export async function fetchCall(t: Tandem, sid: string): Promise<CallJson> {
  const r = await t.fetch(`/2010-04-01/Accounts/${t.accountSid}/Calls/${sid}.json`);
  assert.equal(r.status, 200, await r.clone().text());
  return (await r.json()) as CallJson;
}

export async function form(t: Tandem, path: string, params: Record<string, string | string[]>): Promise<Response> {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) for (const x of Array.isArray(v) ? v : [v]) body.append(k, x);
  return t.fetch(path, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
}

export interface NotificationJson {
  error_code: string;
  call_sid: string | null;
  message_text: string;
  log: string;
}

export async function callNotifications(t: Tandem, callSid: string): Promise<NotificationJson[]> {
  const r = await t.fetch(`/2010-04-01/Accounts/${t.accountSid}/Notifications.json?PageSize=1000`);
  assert.equal(r.status, 200);
  return ((await r.json()) as { notifications: NotificationJson[] }).notifications.filter((n) => n.call_sid === callSid);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One call in the sandbox handset's log, as GET /sandbox/Calls.json shows it. */
export interface HandsetCall {
  id: number;
  direction: 'incoming' | 'outgoing';
  from: string;
  to: string;
  call_sid: string | null;
  status: string;
  verbs: string[];
  digits_heard: string;
  digits_sent: string;
  audio_heard_ms: number;
  duration: number;
  hung_up_by: string | null;
  started_at: string;
}

export async function handsetCalls(t: Tandem): Promise<HandsetCall[]> {
  const r = await fetch(t.url + '/sandbox/Calls.json');
  assert.equal(r.status, 200);
  return ((await r.json()) as { calls: HandsetCall[] }).calls;
}

/** The sandbox handset calls `to` (pressing `digits` once answered, after `digitsDelayMs`); its id in the handset's log. */
export async function handsetCallsIn(
  t: Tandem,
  from: string,
  to: string,
  opts: { digits?: string; digitsDelayMs?: number; hangupAfterS: number },
): Promise<number> {
  const r = await fetch(t.url + '/sandbox/Calls', {
    method: 'POST',
    body: new URLSearchParams({
      From: from, To: to, HangupAfter: String(opts.hangupAfterS),
      ...(opts.digits !== undefined && { Digits: opts.digits, DigitsDelayMs: String(opts.digitsDelayMs ?? 1000) }),
    }),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(r.status, 201, await r.clone().text());
  return ((await r.json()) as HandsetCall).id;
}

/** Waits for a call in the handset's log that `pred` accepts. */
export function handsetCallWhere(t: Tandem, pred: (h: HandsetCall) => boolean, what: string, timeoutMs = 20_000): Promise<HandsetCall> {
  return waitUntil(async () => (await handsetCalls(t)).find(pred), timeoutMs, what);
}
