// A signed, fire-and-forget status callback (recordingStatusCallback) needs the account's auth token, which
// only the call session holds. This adds that one capability to VerbContext; a call session's context
// (actors/call/session-context.ts) has it. A context without it cannot deliver these callbacks, so the verb
// records a notification saying so.
import type { HttpMethod } from '../../../protocols/twiml/index.js';

export interface StatusCallbackPost {
  url: string;
  method: HttpMethod;
  params: Record<string, string>;
}

declare module '../verb-context.js' {
  interface VerbContext {
    /**
     * Send a status callback (signed with the account's auth token, through protocols/webhook's
     * StatusCallbackSender) without waiting for it.
     */
    postStatusCallback?(req: StatusCallbackPost): void;
  }
}
