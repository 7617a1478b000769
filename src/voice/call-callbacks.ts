// Call status callbacks (twilio-compat §8): only the events the call asked for, signed with the account's token,
// numbered per call so the app can order them.
import type { StatusCallbackSender } from '../../protocols/webhook/index.js';
import type { CallEvent, CallRecord } from '../store/records.js';
import { rfc2822 } from '../util/time.js';
import type { NumberGeo } from '../numbers/geo.js';
import { voiceParams } from './voice-params.js';

export class CallCallbacks {
  private readonly sequence = new Map<string, number>();

  constructor(
    private readonly sender: StatusCallbackSender,
    private readonly authToken: (accountSid: string) => string | undefined,
    private readonly geo: NumberGeo,
  ) {}

  /** Posts `event` for the call if it asked for it; the record's status is what the callback reports. */
  event(c: CallRecord, event: CallEvent): void {
    if (!c.statusCallback || !c.statusCallbackEvents.includes(event)) {
      if (event === 'completed') this.sequence.delete(c.sid);
      return;
    }
    const token = this.authToken(c.accountSid);
    if (token === undefined) return;
    const seq = this.sequence.get(c.sid) ?? 0;
    if (event === 'completed') this.sequence.delete(c.sid);
    else this.sequence.set(c.sid, seq + 1);
    const params: Record<string, string> = {
      ...voiceParams(c, this.geo),
      CallStatus: event === 'initiated' ? 'initiated' : event === 'ringing' ? 'ringing' : event === 'answered' ? 'in-progress' : c.status,
      Timestamp: rfc2822(Date.now()) ?? '',
      CallbackSource: 'call-progress-events',
      SequenceNumber: String(seq),
    };
    if (event === 'completed') {
      params.CallDuration = String(c.duration ?? 0);
      params.Duration = String(Math.ceil((c.duration ?? 0) / 60));
    }
    void this.sender.post({ url: c.statusCallback, method: c.statusCallbackMethod, params, authToken: token });
  }

  /** Another callback of a call (a <Record>'s recordingStatusCallback): signed with the account's token, not awaited. */
  post(accountSid: string, req: { url: string; method: 'GET' | 'POST'; params: Record<string, string> }): void {
    const token = this.authToken(accountSid);
    if (token === undefined) return;
    void this.sender.post({ url: req.url, method: req.method, params: req.params, authToken: token });
  }
}
