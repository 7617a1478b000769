// Entry point: config → store → accounts → inventory → actor system → carriers → SIP edge → REST API.
// SIGTERM/SIGINT stop accepting work, drain what is in flight, flush LMDB and exit.
import { loadConfig, ConfigError } from './config.js';
import { createLogger } from './logger.js';
import { startSwitch } from './switch.js';

const config = (() => {
  try {
    return loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`tandem: ${e.message}`);
      process.exit(2);
    }
    throw e;
  }
})();
const log = createLogger(config.logLevel);

const sw = await startSwitch(config, log).catch((err: unknown) => {
  log.fatal({ err }, 'tandem failed to start');
  process.exit(1);
});

let stopping = false;
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.on(sig, () => {
    if (stopping) return;
    stopping = true;
    log.info({ signal: sig }, 'shutting down: draining in-flight work');
    sw.stop()
      .then(() => {
        log.info('stopped cleanly');
        process.exit(0);
      })
      .catch((err: unknown) => {
        log.error({ err }, 'unclean shutdown');
        process.exit(1);
      });
  });
}
