import * as A from './attributes.js';
import type { HttpMethod, ParseContext } from './attributes.js';
import { readTwimlDocument, textOnly, type XmlElement } from './document.js';
import { TwimlCode, TwimlProblem, type TwimlFailure } from './errors.js';

export interface MessageVerb {
  readonly verb: 'Message';
  readonly body: string;
  readonly media: string[];
  /** Absent: reply to the sender of the inbound message. */
  readonly to?: string;
  /** Absent: send from the number that received the inbound message. */
  readonly from?: string;
  /** Status callback URL for the message this verb creates. */
  readonly action?: string;
  readonly method: HttpMethod;
  /** Deprecated name for a status callback URL; `action` wins when both are present. */
  readonly statusCallback?: string;
}

export interface MessagingRedirectVerb {
  readonly verb: 'Redirect';
  readonly url: string;
  readonly method: HttpMethod;
}

export type MessagingVerb = MessageVerb | MessagingRedirectVerb;

export type MessagingTwimlResult = { ok: true; verbs: MessagingVerb[] } | TwimlFailure;

export interface TwimlParseOptions {
  /** URL the document came from; relative URLs (`<Redirect>/next</Redirect>`) resolve against it. */
  documentUrl?: string;
}

/** Twilio caps a message at 10 media URLs. */
export const MAX_MEDIA_PER_MESSAGE = 10;

// Voice verbs in an SMS reply earn the SMS-specific 14110 rather than the generic 12200.
const VOICE_VERBS = new Set([
  'Say', 'Play', 'Pause', 'Gather', 'Record', 'Dial', 'Hangup', 'Reject', 'Enqueue', 'Leave',
  'Connect', 'Refer', 'Sms', 'Start', 'Stop', 'Pay', 'Prompt', 'Echo',
]);

/**
 * Parses a messaging webhook's TwiML reply. An empty body or `<Response/>` means "no reply".
 * Any problem rejects the whole document (Twilio error code + message), so a broken reply
 * never half-executes.
 */
export function parseMessagingTwiml(xml: string, options: TwimlParseOptions = {}): MessagingTwimlResult {
  try {
    const root = readTwimlDocument(xml);
    if (root === null) return { ok: true, verbs: [] };
    const ctx = A.makeContext(options.documentUrl);
    const verbs: MessagingVerb[] = [];
    for (const child of root.children) {
      if (typeof child === 'string') {
        if (child.trim() !== '') throw new TwimlProblem(TwimlCode.SchemaValidation, '<Response> cannot contain text');
        continue;
      }
      verbs.push(messagingVerb(ctx, child));
    }
    return { ok: true, verbs };
  } catch (err) {
    if (err instanceof TwimlProblem) return { ok: false, code: err.code, message: err.message };
    throw err;
  }
}

function messagingVerb(ctx: ParseContext, el: XmlElement): MessagingVerb {
  switch (el.name) {
    case 'Message':
      return message(ctx, el);
    case 'Redirect':
      return redirect(ctx, el);
    default:
      if (VOICE_VERBS.has(el.name)) {
        throw new TwimlProblem(TwimlCode.VerbNotValidForSms, `Invalid verb for SMS reply: <${el.name}>`);
      }
      throw new TwimlProblem(TwimlCode.SchemaValidation, `Unknown verb <${el.name}> in messaging TwiML`);
  }
}

function message(ctx: ParseContext, el: XmlElement): MessageVerb {
  let body = '';
  const media: string[] = [];
  for (const child of el.children) {
    if (typeof child === 'string') {
      body += child;
    } else if (child.name === 'Body') {
      body += textOnly(child, TwimlCode.MessageInvalidBody);
    } else if (child.name === 'Media') {
      const ref = textOnly(child, TwimlCode.SchemaValidation);
      if (ref === '') throw new TwimlProblem(TwimlCode.SchemaValidation, '<Media> must contain a URL');
      media.push(A.url(ctx, child, 'Media', ref, TwimlCode.SchemaValidation));
    } else {
      throw new TwimlProblem(TwimlCode.SchemaValidation, `<Message> cannot contain <${child.name}>`);
    }
  }
  body = body.trim();
  if (body === '' && media.length === 0) {
    throw new TwimlProblem(TwimlCode.MessageInvalidBody, '<Message> has neither a body nor media');
  }
  if (media.length > MAX_MEDIA_PER_MESSAGE) {
    throw new TwimlProblem(TwimlCode.SchemaValidation, `<Message> has ${media.length} <Media>; at most ${MAX_MEDIA_PER_MESSAGE} are allowed`);
  }
  const to = address(el, 'to', TwimlCode.MessageInvalidTo);
  const from = address(el, 'from', TwimlCode.MessageInvalidFrom);
  const action = A.optionalUrl(ctx, el, 'action', TwimlCode.MessageInvalidStatusCallback);
  const statusCallback = A.optionalUrl(ctx, el, 'statusCallback', TwimlCode.MessageInvalidStatusCallback);
  return {
    verb: 'Message',
    body,
    media,
    ...(to !== undefined && { to }),
    ...(from !== undefined && { from }),
    ...(action !== undefined && { action }),
    method: A.method(el, 'method', TwimlCode.MessageInvalidMethod),
    ...(statusCallback !== undefined && { statusCallback }),
  };
}

/** A phone number, short code, or channel address such as `whatsapp:+15551234567`. */
function address(el: XmlElement, name: string, code: number): string | undefined {
  const value = A.attr(el, name);
  if (value === undefined) return undefined;
  if (A.isDialableNumber(value) || /^[a-z][a-z0-9-]*:\S+$/i.test(value)) return value;
  throw new TwimlProblem(code, `<Message> ${name}="${value}" is not a valid phone number or address`);
}

function redirect(ctx: ParseContext, el: XmlElement): MessagingRedirectVerb {
  const ref = textOnly(el, TwimlCode.SchemaValidation);
  if (ref === '') throw new TwimlProblem(TwimlCode.SchemaValidation, '<Redirect> must contain a URL');
  return {
    verb: 'Redirect',
    url: A.url(ctx, el, 'Redirect', ref, TwimlCode.SchemaValidation),
    method: A.method(el, 'method', TwimlCode.MessageInvalidMethod),
  };
}
