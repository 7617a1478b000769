// Call queues in TwiML: <Enqueue> puts the caller in a named queue, <Leave> (in its waitUrl document) takes them
// out again, and <Dial><Queue> connects an agent to the caller at the front. A TaskRouter <Enqueue workflowSid> parses
// as Unsupported: tandem has no TaskRouter.
import * as A from './attributes.js';
import type { ParseContext } from './attributes.js';
import { textOnly, type XmlElement } from './document.js';
import { TwimlCode, TwimlProblem } from './errors.js';
import type { DialQueue, EnqueueVerb, UnsupportedVerb } from './voice-types.js';

const C = TwimlCode;
/** Twilio: a queue name is 1 to 64 characters. */
export const QUEUE_NAME_MAX = 64;

export function enqueue(ctx: ParseContext, el: XmlElement): EnqueueVerb | UnsupportedVerb {
  const action = A.optionalUrl(ctx, el, 'action', C.EnqueueInvalidAction);
  const method = A.method(el, 'method', C.EnqueueInvalidMethod);
  const waitUrl = A.optionalUrl(ctx, el, 'waitUrl', C.EnqueueInvalidWaitUrl);
  const waitUrlMethod = A.method(el, 'waitUrlMethod', C.EnqueueInvalidWaitUrlMethod);
  if (A.attr(el, 'workflowSid') !== undefined) return { verb: 'Unsupported', name: 'Enqueue workflowSid' };
  const queue = queueName(el, C.EnqueueNameTooShort, C.EnqueueNameTooLong);
  return {
    verb: 'Enqueue',
    queue,
    ...(action !== undefined && { action }),
    method,
    ...(waitUrl !== undefined && { waitUrl }),
    waitUrlMethod,
  };
}

/** `<Queue>` inside `<Dial>`. */
export function dialQueue(ctx: ParseContext, el: XmlElement): DialQueue {
  const url = A.optionalUrl(ctx, el, 'url', C.SchemaValidation);
  const method = A.method(el, 'method', C.DialInvalidMethod);
  return { name: queueName(el, C.DialQueueNameTooShort, C.DialQueueNameTooLong), ...(url !== undefined && { url }), method };
}

function queueName(el: XmlElement, tooShort: number, tooLong: number): string {
  const name = textOnly(el, C.SchemaValidation);
  if (name === '') throw new TwimlProblem(tooShort, `<${el.name}> needs a queue name`);
  if (name.length > QUEUE_NAME_MAX) throw new TwimlProblem(tooLong, `<${el.name}> queue name is ${name.length} characters; at most ${QUEUE_NAME_MAX}`);
  return name;
}
