// The official twilio client, pointed at a local tandem the way twilio-compat.md §19 describes: a RequestClient
// subclass that rewrites the scheme, host and port of every request to the local base URL.
import assert from 'node:assert/strict';
import twilio from 'twilio';

type RC = InstanceType<typeof twilio.RequestClient>;

type RequestClientOptions = ConstructorParameters<typeof twilio.RequestClient>[0];

class LocalRequestClient extends twilio.RequestClient {
  constructor(
    private readonly base: string,
    opts?: RequestClientOptions,
  ) {
    super(opts);
  }

  override request: RC['request'] = (opts) => {
    const u = new URL(opts.uri);
    const b = new URL(this.base);
    u.protocol = b.protocol;
    u.host = b.host;
    return super.request({ ...opts, uri: u.toString() });
  };
}

export type TwilioClient = ReturnType<typeof twilio>;

/** `http`: the RequestClient's own options, e.g. `{ autoRetry: true }` to retry 429s as production code may. */
export function twilioClient(baseUrl: string, accountSid: string, authToken: string, http?: RequestClientOptions): TwilioClient {
  return twilio(accountSid, authToken, { httpClient: new LocalRequestClient(baseUrl, http) });
}

/** The client as production code builds it: an API key and its secret, the account given apart. */
export function twilioKeyClient(baseUrl: string, keySid: string, secret: string, accountSid: string): TwilioClient {
  return twilio(keySid, secret, { accountSid, httpClient: new LocalRequestClient(baseUrl) });
}

/** The client's call fails with Twilio's error: this HTTP status and this error code. */
export async function rejectsWithCode(p: Promise<unknown>, status: number, code: number): Promise<void> {
  await assert.rejects(p, (e: { status: number; code: number }) => {
    assert.equal(e.status, status);
    assert.equal(e.code, code);
    return true;
  });
}
