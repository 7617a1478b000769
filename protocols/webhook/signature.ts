import { createHmac } from 'node:crypto';
import { stripFragment, type WebhookParams } from './request-url.js';

/**
 * X-Twilio-Signature, exactly as twilio-compat §11: base64(HMAC-SHA1(authToken, url + params)).
 * For a form POST, params are appended as name+value with names in code-unit order and, for a
 * repeated name, each distinct value in sorted order. For GET pass null: the params are already
 * in the URL's query string. The URL is signed as written (after dropping a fragment), since
 * validators rebuild it from the request they received.
 */
export function computeSignature(authToken: string, url: string, params: WebhookParams | null): string {
  let data = stripFragment(url);
  if (params !== null) {
    // Default sort compares UTF-16 code units, as twilio-node's validator does.
    for (const name of Object.keys(params).sort()) {
      const value = params[name];
      if (value === undefined) continue;
      if (Array.isArray(value)) {
        for (const v of [...new Set(value)].sort()) data += name + v;
      } else {
        data += name + value;
      }
    }
  }
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}
