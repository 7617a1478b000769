import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyKeyword, KEYWORD_REPLIES } from '../../src/messaging/inbound/keywords.js';

test('every opt-out, opt-in and help word, any case, surrounding whitespace ignored', () => {
  for (const w of ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT']) {
    assert.equal(classifyKeyword(w), 'STOP', w);
    assert.equal(classifyKeyword(` ${w.toLowerCase()}\n`), 'STOP', w);
  }
  for (const w of ['START', 'YES', 'UNSTOP', 'Yes', ' unstop ']) assert.equal(classifyKeyword(w), 'START', w);
  for (const w of ['HELP', 'info', '\tHelp ']) assert.equal(classifyKeyword(w), 'HELP', w);
});

test('only a whole message counts', () => {
  for (const body of ['STOP PLEASE', 'please stop', 'stop.', 'STOPP', 'yes!', 'help me', 'S T O P', '', '   ']) {
    assert.equal(classifyKeyword(body), null, JSON.stringify(body));
  }
});

test("auto-replies are Twilio's standard texts", () => {
  assert.match(KEYWORD_REPLIES.STOP, /^You have successfully been unsubscribed\./);
  assert.match(KEYWORD_REPLIES.START, /^You have successfully been re-subscribed/);
  assert.match(KEYWORD_REPLIES.HELP, /Reply STOP to unsubscribe/);
});
