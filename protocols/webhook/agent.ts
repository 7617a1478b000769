import { Agent } from 'undici';

export interface WebhookAgentOptions {
  /** Sockets per origin; requests beyond this queue inside undici. */
  connectionsPerOrigin?: number;
  /** Idle keep-alive before a pooled socket is closed. */
  keepAliveMs?: number;
  /** Cap for the TCP+TLS connect phase (Twilio's default `ct` is 5 s); the request's timeout applies on top. */
  connectTimeoutMs?: number;
}

/** Sockets per origin in the shared pool. */
export const DEFAULT_CONNECTIONS_PER_ORIGIN = 128;

let shared: Agent | undefined;

export function createWebhookAgent(options: WebhookAgentOptions = {}): Agent {
  return new Agent({
    connections: options.connectionsPerOrigin ?? DEFAULT_CONNECTIONS_PER_ORIGIN,
    keepAliveTimeout: options.keepAliveMs ?? 4_000,
    keepAliveMaxTimeout: 60_000,
    connect: { timeout: options.connectTimeoutMs ?? 5_000 },
  });
}

/**
 * The process-wide keep-alive pool for webhooks: thousands of webhooks a second to the same
 * few apps must reuse sockets rather than pay a handshake each.
 */
export function webhookAgent(): Agent {
  shared ??= createWebhookAgent();
  return shared;
}

/** Replaces the shared pool (closing the old one gracefully), e.g. from configuration at startup. */
export function configureWebhookAgent(options: WebhookAgentOptions): void {
  const old = shared;
  shared = createWebhookAgent(options);
  void old?.close();
}

/** For shutdown: lets in-flight requests finish, then closes every pooled socket. */
export async function closeWebhookAgent(): Promise<void> {
  const old = shared;
  shared = undefined;
  await old?.close();
}
