// Media between two legs of a <Dial>: each leg's decoded audio is fed to the other, which re-encodes
// it in its own codec on its own clock tick, so PCMU and PCMA legs bridge without anything special.
import type { DtmfDigit } from './dtmf.js';
import type { RtpEndpoint } from './endpoint.js';

export interface BridgeOptions {
  /** Pass keypresses from each leg to the other as RFC 4733 events (or tones). Default true. */
  relayDigits?: boolean;
}

/** Connects a and b both ways; the returned function disconnects them. */
export function bridgeMedia(a: RtpEndpoint, b: RtpEndpoint, opts: BridgeOptions = {}): () => void {
  const aToB = (frame: Int16Array) => b.feed(frame);
  const bToA = (frame: Int16Array) => a.feed(frame);
  // A digit that cannot be sent (queue full, leg closing) is dropped: the bridge must not throw.
  const digitToB = (d: DtmfDigit) => void b.sendDigits(d).catch(() => undefined);
  const digitToA = (d: DtmfDigit) => void a.sendDigits(d).catch(() => undefined);
  a.on('audio', aToB);
  b.on('audio', bToA);
  if (opts.relayDigits ?? true) {
    a.on('dtmf', digitToB);
    b.on('dtmf', digitToA);
  }
  return () => {
    a.off('audio', aToB);
    b.off('audio', bToA);
    a.off('dtmf', digitToB);
    b.off('dtmf', digitToA);
  };
}
