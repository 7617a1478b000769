// The composition root: builds every part of the switch in dependency order and stops them in reverse.
import type { Logger } from 'pino';
import nact from 'nact';
import type { Config } from './config.js';
import { openTables, closeTables } from './store/db.js';
import { LmdbPersistenceEngine } from './store/nact-persistence.js';
import { Accounts } from './accounts/accounts.js';
import { ApiKeys } from './accounts/api-keys.js';
import { Applications, withApplications } from './applications/applications.js';
import { MessagingServices, withMessagingService } from './messaging/services.js';
import { Metrics } from './metrics.js';
import { buildApp, type RouteModule } from './api/app.js';
import { registerMessageRoutes } from './api/messages.js';
import { registerIncomingNumberRoutes } from './api/incoming-numbers.js';
import { registerShortCodeRoutes } from './api/short-codes.js';
import { registerAddressRoutes } from './api/addresses.js';
import { registerUsageRoutes } from './api/usage.js';
import { registerLookupRoutes } from './api/lookups.js';
import { registerSipRoutes } from './api/sip.js';
import { verifyRoutes } from './api/verify.js';
import { alertRoutes } from './api/alerts.js';
import { Verify } from './verify/verify.js';
import { badRequest } from './api/errors.js';
import { CallQueueFullError } from './voice/call-pacer.js';
import { registerAvailableNumberRoutes } from './api/available-numbers.js';
import { seedInWorker } from './inventory/seed-worker.js';
import { Inventory } from './inventory/index.js';
import { Numbers } from './numbers/numbers.js';
import { NumberDirectory } from './numbers/directory.js';
import { NumberGeo } from './numbers/geo.js';
import { Addresses } from './numbers/addresses.js';
import { EntityRegistry } from '../actors/registry.js';
import { numberBehaviour, type NumberState } from '../actors/number/number-actor.js';
import type { NumberDeps, NumberMsg } from '../actors/number/messages.js';
import { MessageStore } from './messaging/message-store.js';
import { MessageCallbacks } from './messaging/status-callbacks.js';
import { MessageSender } from './messaging/send.js';
import { Scheduler } from './messaging/scheduler.js';
import { ReceiptRouter } from './messaging/receipts.js';
import { StatusCallbackSender, closeWebhookAgent, observeWebhooks } from '../protocols/webhook/index.js';
import { CarrierRouter } from './carriers/router.js';
import { loadCarriers, sandboxCarriers } from './carriers/config.js';
import { SandboxSmsc } from './sandbox/smsc.js';
import { registerSandboxRoutes } from './sandbox/routes.js';
import { Notifications } from './notifications/notifications.js';
import { CallbackFailureReporter } from './notifications/callback-failures.js';
import { notificationRoutes } from './api/notifications.js';
import { InboundStore } from './messaging/inbound/mo-store.js';
import { WebhookSlots } from './messaging/inbound/webhook-slots.js';
import { InboundRouter } from './messaging/inbound/router.js';
import { OptOuts } from './messaging/inbound/opt-outs.js';
import { errorMessage } from './messaging/error-codes.js';
import { startVoice } from './voice/start.js';

export interface RunningSwitch {
  url: string;
  accountSid: string;
  authToken: string;
  stop(): Promise<void>;
}

export async function startSwitch(config: Config, log: Logger): Promise<RunningSwitch> {
  const t0 = performance.now();
  const stops: { name: string; run: () => Promise<void> }[] = [];
  const onStop = (name: string, run: () => Promise<void>) => stops.push({ name, run });
  let ready = false;

  const tables = openTables(config.dataDir);
  onStop('store', () => closeTables(tables));
  const metrics = new Metrics();
  const accounts = new Accounts(tables);
  const applications = new Applications(tables);
  const services = new MessagingServices(tables);
  // What a number's texts and calls see: its applications' URLs, then its Messaging Service's inbound settings.
  const directory = new NumberDirectory(tables, (n) => withMessagingService(withApplications(n, applications), services));
  applications.onChange(() => directory.clear());
  services.onChange(() => directory.clear());
  const { account, created } = await accounts.ensureDefault(config.accountSid, config.authToken);

  const inventory = new Inventory(tables.root);
  if (!inventory.isSeeded()) {
    const seeded = await seedInWorker(config.dataDir, { usLocal: config.seedUsLocal });
    inventory.reload();
    log.info({ count: seeded.count, ms: Math.round(seeded.ms) }, 'phone-number inventory seeded (first start only)');
  }

  const geo = new NumberGeo((e164) => inventory.locate(e164));

  const engine = new LmdbPersistenceEngine(tables.actorEvents, tables.actorSnapshots);
  const system = nact.start(nact.configurePersistence(engine as never));
  onStop('actors', async () => nact.stop(system));

  // Carriers: the configured SMPP carriers, or tandem's own sandbox SMSC on a fresh machine.
  let sandbox: SandboxSmsc | undefined;
  const carriersConfig = config.carriersFile ? loadCarriers(config.carriersFile) : sandboxCarriers(config.sandboxSmppPort);
  if (!config.carriersFile) {
    sandbox = new SandboxSmsc({ port: config.sandboxSmppPort, host: '127.0.0.1', logger: smppLog(log.child({ part: 'sandbox-smsc' })) });
    await sandbox.start();
    onStop('sandbox carrier', () => sandbox!.stop());
  }
  const carriers = new CarrierRouter(system as never, carriersConfig.smpp, log.child({ part: 'carriers' }), metrics);

  // Messaging.
  const store = new MessageStore(tables);
  // A failed status callback becomes a notification (at most one per account and URL a minute), as on Twilio.
  const callbackFailures = new CallbackFailureReporter({ notify: (n) => notify(n), log });
  const callbacksDropped = metrics.counter('tandem_status_callbacks_dropped_total', 'status callbacks not sent because 2,000 were already waiting for an answer');
  const callbackSender = new StatusCallbackSender({
    maxInFlight: 2_000,
    timeoutMs: config.webhookTimeoutMs,
    onFailure: (req, outcome) => {
      if (!outcome.sent) callbacksDropped.inc();
      callbackFailures.report(req, outcome);
    },
  });
  // Every webhook, status callback and TwiML fetch: how long the owner's app took, and how it failed (11200, 11205…).
  const webhookSeconds = metrics.histogram(
    'tandem_webhook_duration_seconds',
    "requests to the account owner's apps (webhooks, TwiML fetches, status callbacks) by outcome: ok or Twilio's error code",
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15],
    ['outcome'],
  );
  observeWebhooks((r) => webhookSeconds.observe({ outcome: r.ok ? 'ok' : String(r.code) }, r.elapsedMs / 1000));
  onStop('webhook metrics', async () => observeWebhooks(null));
  const callbacks = new MessageCallbacks(callbackSender, accounts, tables);
  const notifications = new Notifications(tables, metrics.counter('tandem_notifications_total', 'notifications recorded for account owners, by error code', ['code']));
  const notify = (n: Parameters<Notifications['record']>[0]) =>
    void notifications.record(n).catch((err: unknown) => log.error({ err, errorCode: n.errorCode }, 'notification could not be stored'));
  const inboundStore = new InboundStore(tables, store);
  const webhookSlots = new WebhookSlots(config.webhookSlotsPerOrigin);
  const numberDeps: NumberDeps = {
    store,
    callbacks,
    carriers,
    numberConfig: (e164) => directory.byE164(e164),
    notify: (m, detail) => {
      log.warn({ sid: m.sid, accountSid: m.accountSid, errorCode: m.errorCode, detail }, 'message error');
      const code = m.errorCode ?? 30008;
      notify({ accountSid: m.accountSid, errorCode: code, messageSid: m.sid, text: `${m.errorMessage ?? errorMessage(code)}: message to ${m.to}, ${detail}` });
    },
    inbound: {
      pending: inboundStore,
      optOuts: new OptOuts(tables),
      account: (sid) => accounts.get(sid),
      // `sender` is built below (it needs the registry); replies only start flowing once everything is up.
      sendReply: (account, req, opts) => sender.send(account, req, 'outbound-reply', opts),
      notify,
      webhookTimeoutMs: config.webhookTimeoutMs,
      slots: webhookSlots,
      geo,
    },
    metrics: {
      segmentsSubmitted: metrics.counter('tandem_sms_segments_submitted_total', 'segments accepted by a carrier'),
      submitRetries: metrics.counter('tandem_sms_submit_retries_total', 'segments retried after a throttle, timeout or lost bind'),
      messagesSent: metrics.counter('tandem_sms_outbound_total', 'outbound messages that left their queue, by final status', ['status']),
    },
  };
  const numbers = new EntityRegistry<NumberState, NumberMsg>(system as never, engine, numberBehaviour(numberDeps), {
    idleMs: config.actorIdleMs,
    log: log.child({ part: 'number' }),
  });
  onStop('number actors', () => numbers.close());
  metrics.gauge('tandem_inbound_webhook_slots_active', 'inbound texts in hand (their webhook origin slot held), all origins', () => webhookSlots.totals().active);
  metrics.gauge('tandem_inbound_webhook_slots_waiting', 'inbound texts waiting for a slot of their webhook origin', () => webhookSlots.totals().waiting);
  metrics.gauge('tandem_number_actors_active', 'number actors in memory (the rest are passivated)', () => numbers.stats().active);
  const receipts = new ReceiptRouter(store, numbers, log.child({ part: 'receipts' }), metrics.counter('tandem_sms_receipts_unmatched_total', 'delivery receipts for no known message'));
  const inbound = new InboundRouter({
    tables,
    directory,
    store: inboundStore,
    numbers,
    notify,
    log: log.child({ part: 'inbound' }),
    metrics: {
      received: metrics.counter('tandem_sms_inbound_total', 'inbound messages stored (multi-part ones once, when joined)'),
      unknownNumber: metrics.counter('tandem_sms_inbound_unknown_number_total', 'inbound SMS parts for a number no account owns (acknowledged, dropped)'),
      duplicates: metrics.counter('tandem_sms_inbound_duplicates_total', 'inbound SMS parts resent by a carrier after a lost acknowledgement (dropped)'),
    },
  });
  onStop('inbound', async () => inbound.close());
  carriers.onDeliver((carrier, event) => {
    if (event.kind === 'dlr') receipts.handle(carrier, event.dlr, () => event.ack());
    else inbound.handle(carrier, event.mo, event.ack);
  });
  const sender = new MessageSender(tables, store, numbers, directory, {
    reaches: (to) => carriers.reaches(to),
    ownsAlphaSender: (accountSid, name) => services.ownsAlphaSender(accountSid, name),
  });
  const scheduler = new Scheduler(store, numbers, log.child({ part: 'scheduler' }));

  const numbersService = new Numbers(tables, inventory, (e164) => {
    directory.invalidate(e164);
    callbacks.numberChanged(e164);
    if (numbers.isActive(e164)) numbers.tell(e164, { type: 'config' });
  });

  // Voice: SIP (the embedded edge, or a drachtio-server), call-session actors, the Calls API, the sandbox handset.
  const voice = await startVoice({
    config, tables, system, sipTrunks: carriersConfig.sipTrunks, sandbox: !config.carriersFile,
    authToken: (sid) => accounts.get(sid)?.authToken, numberView: (n) => withApplications(n, applications), callbackSender, notify, geo, log,
  });
  onStop('voice', () => voice.stop());
  // Verify: one-time codes sent as texts through the same sender, or read out in a call.
  const verify = new Verify(tables, sender, services, geo, (accountSid, call) =>
    voice.voice.createCall(accountSid, call).catch((err: unknown) => {
      throw err instanceof CallQueueFullError ? badRequest(22005, 'Call Queue Full') : err;
    }), config.verifyTtlMs);
  onStop('verify', async () => verify.close());
  metrics.gauge('tandem_calls_active', 'call legs in progress on this node', () => voice.voice.liveCalls);
  metrics.gauge('tandem_conference_participants', 'Participants in live conference rooms on this node', () => voice.voice.conferences.participants);
  metrics.gauge('tandem_queue_callers_waiting', 'Callers waiting in call queues (<Enqueue>) on this node', () => voice.voice.queues.waiting);
  metrics.gauge('tandem_media_streams_active', 'Media Streams (WebSockets to apps) open or opening on this node', () => voice.voice.liveStreams);
  if (config.mediaWorkers > 0) {
    metrics.gauge('tandem_media_workers_alive', 'media worker threads running', () => voice.media?.aliveWorkers ?? 0);
    metrics.gauge('tandem_media_worker_restarts', 'media workers that died and were replaced since start', () => voice.media?.restartCount ?? 0);
    metrics.gauge('tandem_media_tick_late_p99_seconds', 'media clock tick lateness p99, worst worker and second since the previous scrape', () => (voice.media?.takePacing().tickLateP99Ms ?? 0) / 1000);
  }

  const modules: RouteModule[] = [...voice.routes, registerMessageRoutes, registerIncomingNumberRoutes, registerAddressRoutes, registerUsageRoutes, registerShortCodeRoutes, registerLookupRoutes, registerSipRoutes, verifyRoutes(verify), registerAvailableNumberRoutes, notificationRoutes(notifications), alertRoutes(notifications)];
  if (sandbox) {
    const s = sandbox;
    modules.push((app) => registerSandboxRoutes(app, s));
  }
  const app = await buildApp(
    { config, tables, accounts, apiKeys: new ApiKeys(tables), applications, services, metrics, inventory, numbers: numbersService, addresses: new Addresses(tables), geo, messaging: { sender, store, callbacks }, isReady: () => ready, carriers: () => carriers.health() },
    { level: config.logLevel, base: { svc: 'tandem' } } as never,
    modules,
  );
  await app.listen({ host: config.httpHost, port: config.httpPort });
  // The HTTP server closes first: it stops taking requests and finishes the ones in flight.
  onStop('http', () => app.close());
  onStop('webhooks', () => closeWebhookAgent());
  onStop('scheduler', async () => scheduler.stop());
  onStop('carrier binds', () => carriers.close());

  // Half-joined multi-part messages and webhooks owed from before the last stop or crash; before the binds come
  // up, so a resent part finds its stored siblings.
  const inboundResumed = inbound.start();
  await carriers.start();
  scheduler.start();
  // Resume every sender that still owes the carrier messages from before the last stop or crash.
  const resumed = store.sendersWithQueuedMessages();
  for (const e164 of resumed) numbers.tell(e164, { type: 'resume' });

  ready = true;
  // Last, so their loading does not slow the start-up above (see MediaWorkers).
  voice.startMedia();
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.httpPort;
  const url = `http://${config.httpHost}:${port}`;
  log.info({ url, ms: Math.round(performance.now() - t0), dataDir: config.dataDir, resumedSenders: resumed.length, inbound: inboundResumed, carriers: carriersConfig.smpp.map((c) => c.name) }, 'tandem ready');
  // Printed plainly (not only as a log line) so a new user sees the credentials right after `npm start`.
  process.stdout.write(
    `\ntandem is ready at ${url}\n` +
      `  AccountSid ${account.sid}\n  AuthToken  ${account.authToken}${created ? '   (generated now, stored in ' + config.dataDir + ')' : ''}\n\n`,
  );

  return {
    url,
    accountSid: account.sid,
    authToken: account.authToken,
    async stop() {
      ready = false;
      // Reverse order of start: HTTP first, then the parts it fed, the store last.
      const order = ['http', 'voice', 'scheduler', 'inbound', 'number actors', 'carrier binds', 'webhooks', 'sandbox carrier', 'actors', 'store'];
      const byName = new Map(stops.map((s) => [s.name, s.run]));
      for (const name of order) {
        const run = byName.get(name);
        if (!run) continue;
        try {
          await run();
        } catch (err) {
          log.warn({ err, part: name }, 'error while stopping');
        }
      }
    },
  };
}

function smppLog(l: Logger) {
  return {
    debug: (m: string) => l.debug(m),
    info: (m: string) => l.info(m),
    warn: (m: string) => l.warn(m),
    error: (m: string) => l.error(m),
  };
}
