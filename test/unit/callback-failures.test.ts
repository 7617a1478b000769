// A failed status callback is a notification on its account, at most one per account and URL a minute, and the
// failures left out in between are counted into the next one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CallbackFailureReporter } from '../../src/notifications/callback-failures.js';
import type { NewNotification } from '../../src/notifications/notifications.js';
import type { StatusCallbackOutcome, StatusCallbackRequest } from '../../protocols/webhook/index.js';

function harness() {
  const notes: NewNotification[] = [];
  const warnings: object[] = [];
  let now = 1_000_000;
  const r = new CallbackFailureReporter({
    notify: (n) => notes.push(n),
    log: { warn: (obj) => warnings.push(obj) },
    windowMs: 60_000,
    now: () => now,
  });
  return { r, notes, warnings, advance: (ms: number) => (now += ms) };
}

const dead: StatusCallbackOutcome = { sent: true, result: { ok: false, code: 11205, message: 'connection refused', elapsedMs: 1, url: 'x' } };
const error500: StatusCallbackOutcome = { sent: true, result: { ok: false, code: 11200, status: 500, message: 'HTTP error', elapsedMs: 1, url: 'x' } };

function messageCallback(url: string, sid: string, account = 'AC1', status = 'sent'): StatusCallbackRequest {
  return { url, method: 'POST', authToken: 't', params: { AccountSid: account, MessageSid: sid, MessageStatus: status, To: '+15551234567' } };
}

test("the first failure of a URL is a notification with Twilio's code, the message and the request tandem tried", () => {
  const { r, notes, warnings } = harness();
  r.report(messageCallback('http://app.example/status', 'SM1'), dead);
  assert.equal(notes.length, 1);
  const n = notes[0]!;
  assert.equal(n.accountSid, 'AC1');
  assert.equal(n.errorCode, 11205);
  assert.equal(n.messageSid, 'SM1');
  assert.equal(n.callSid, null);
  assert.equal(n.requestUrl, 'http://app.example/status');
  assert.equal(n.requestMethod, 'POST');
  assert.deepEqual(n.requestVariables, { AccountSid: 'AC1', MessageSid: 'SM1', MessageStatus: 'sent', To: '+15551234567' });
  assert.match(n.text, /^Status callback failed: connection refused$/);
  assert.equal(warnings.length, 1);
});

test('an HTTP error names its status; a call callback names the call; a callback dropped unsent is 11200', () => {
  const { r, notes } = harness();
  r.report(messageCallback('http://a.example/s', 'SM1'), error500);
  r.report({ url: 'http://b.example/call', method: 'GET', authToken: 't', params: { AccountSid: 'AC1', CallSid: 'CA1', CallStatus: 'completed' } }, dead);
  r.report(messageCallback('http://c.example/s', 'SM2'), { sent: false, reason: 'overflow' });
  assert.deepEqual(
    notes.map((n) => [n.errorCode, n.messageSid, n.callSid, n.text]),
    [
      [11200, 'SM1', null, 'Status callback failed: HTTP error (HTTP 500)'],
      [11205, null, 'CA1', 'Status callback failed: connection refused'],
      [11200, 'SM2', null, 'Status callback failed: not sent: too many status callbacks were already waiting for an answer'],
    ],
  );
});

test('more failures of the same URL (any query string) within the minute add no notification; another URL or account does', () => {
  const { r, notes, warnings } = harness();
  for (let i = 0; i < 50; i++) r.report(messageCallback(`http://app.example/status?id=${i}`, `SM${i}`), dead);
  r.report(messageCallback('http://app.example/other', 'SMx'), dead);
  r.report(messageCallback('http://app.example/status', 'SMy', 'AC2'), dead);
  assert.deepEqual(
    notes.map((n) => [n.accountSid, n.messageSid]),
    [
      ['AC1', 'SM0'],
      ['AC1', 'SMx'],
      ['AC2', 'SMy'],
    ],
  );
  assert.equal(warnings.length, 3, 'the log is spared the same way');
});

test('after the minute the next failure is listed again, with how many were left out before it', () => {
  const { r, notes, advance } = harness();
  r.report(messageCallback('http://app.example/status', 'SM1'), dead);
  advance(10_000);
  for (let i = 0; i < 7; i++) r.report(messageCallback('http://app.example/status', `SM${i + 2}`), dead);
  advance(50_000);
  r.report(messageCallback('http://app.example/status', 'SM9'), dead);
  assert.equal(notes.length, 2);
  assert.equal(notes[1]!.messageSid, 'SM9');
  assert.match(notes[1]!.text, /7 more failures of this URL since the last notification were not listed/);
  // A window with nothing left out says nothing about earlier failures.
  advance(60_000);
  r.report(messageCallback('http://app.example/status', 'SM10'), dead);
  assert.equal(notes[2]!.text, 'Status callback failed: connection refused');
});

test('a request without an AccountSid is nobody’s to see and is skipped', () => {
  const { r, notes } = harness();
  r.report({ url: 'http://a.example', method: 'POST', authToken: 't', params: { MessageSid: 'SM1' } }, dead);
  assert.equal(notes.length, 0);
});
