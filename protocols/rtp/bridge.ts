// Media between two legs of a <Dial>: each leg's decoded audio is fed to the other, which re-encodes
// it in its own codec on its own clock tick, so PCMU and PCMA legs bridge without anything special.
// Two legs in the same media worker are bridged inside it; only legs in different places relay here.
import type { DtmfDigit } from './dtmf.js';
import type { MediaEndpoint } from './media-endpoint.js';

export interface BridgeOptions {
  /** Pass keypresses from each leg to the other as RFC 4733 events (or tones). Default true. */
  relayDigits?: boolean;
}

/** An endpoint that can bridge to a neighbour without its audio leaving the thread it runs on. */
interface BridgesInPlace {
  bridgeInPlace?(other: MediaEndpoint, relayDigits: boolean): (() => void) | undefined;
}

/** Connects a and b both ways; the returned function disconnects them. */
export function bridgeMedia(a: MediaEndpoint, b: MediaEndpoint, opts: BridgeOptions = {}): () => void {
  const relayDigits = opts.relayDigits ?? true;
  const inPlace = (a as MediaEndpoint & BridgesInPlace).bridgeInPlace?.(b, relayDigits);
  if (inPlace) return inPlace;
  const aToB = (frame: Int16Array) => b.feed(frame);
  const bToA = (frame: Int16Array) => a.feed(frame);
  // A digit that cannot be sent (queue full, leg closing) is dropped: the bridge must not throw.
  const digitToB = (d: DtmfDigit) => void b.sendDigits(d).catch(() => undefined);
  const digitToA = (d: DtmfDigit) => void a.sendDigits(d).catch(() => undefined);
  a.on('audio', aToB);
  b.on('audio', bToA);
  if (relayDigits) {
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
