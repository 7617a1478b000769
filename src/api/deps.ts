// What the HTTP layer may call. Route modules get this and nothing else: they map HTTP onto these services.
import type { Config } from '../config.js';
import type { Tables } from '../store/db.js';
import type { Accounts } from '../accounts/accounts.js';
import type { Metrics } from '../metrics.js';
import type { ApiKeys } from '../accounts/api-keys.js';
import type { Applications } from '../applications/applications.js';
import type { MessagingServices } from '../messaging/services.js';
import type { AccountRecord, ApiKeyRecord } from '../store/records.js';
import type { MessageSender } from '../messaging/send.js';
import type { MessageStore } from '../messaging/message-store.js';
import type { MessageCallbacks } from '../messaging/status-callbacks.js';
import type { Inventory } from '../inventory/index.js';
import type { Numbers } from '../numbers/numbers.js';
import type { NumberGeo } from '../numbers/geo.js';
import type { Addresses } from '../numbers/addresses.js';
import type { CarrierHealth } from '../carriers/router.js';

export interface ApiDeps {
  config: Config;
  tables: Tables;
  accounts: Accounts;
  apiKeys: ApiKeys;
  applications: Applications;
  services: MessagingServices;
  metrics: Metrics;
  inventory: Inventory;
  numbers: Numbers;
  addresses: Addresses;
  /** Where a number is: a destination's country picks a Messaging Service's DestinationAlphaSender. */
  geo: NumberGeo;
  messaging: { sender: MessageSender; store: MessageStore; callbacks: MessageCallbacks };
  /** True once every part of the switch has started; /healthz answers 503 before. */
  isReady(): boolean;
  /** The SMPP carriers and their binds, for /healthz. */
  carriers(): CarrierHealth[];
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The account whose credentials authenticated the request. */
    principal: AccountRecord;
    /** The account named in the path (the principal itself or one of its subaccounts). */
    account: AccountRecord;
    /** The API key the request authenticated with; null for the Auth Token (or a public recording). */
    apiKey: ApiKeyRecord | null;
  }
}
