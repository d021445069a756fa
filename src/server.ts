/** The process entry point: env → gateway → serve, and shutdown on signals. The one file with side effects. */
import { serve } from '@hono/node-server';
import { pino } from 'pino';
import { simulators } from '../sim/index.js';
import { parseFaults } from '../sim/kit.js';
import { readEnv } from './env.js';
import { buildGateway } from './gateway.js';
import { ConfigError } from './config/load.js';

const { vars, all } = readEnv();
const logger = pino({ level: vars.LOG_LEVEL, base: { service: 'switchboard' } });

try {
  const gateway = await buildGateway({
    configDir: vars.CONFIG_DIR,
    env: all,
    logger,
    ...(vars.CURSOR_SECRET ? { cursorSecret: vars.CURSOR_SECRET } : {}),
    ...(vars.SIMULATORS === 'auto' ? { simulators } : {}),
    simulatorData: { seed: vars.SIM_SEED, count: vars.SIM_COUNT },
    simulatorFaults: parseFaults(vars.SIM_FAULTS),
  });
  const server = serve({ fetch: gateway.app.fetch, hostname: vars.HOST, port: vars.PORT }, (info) => {
    logger.info({ host: vars.HOST, port: info.port, vendors: gateway.vendors.filter((v) => v.enabled).map((v) => v.name) }, 'switchboard listening');
  });
  const stop = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    server.close(() => void gateway.close().then(() => process.exit(0)));
    setTimeout(() => process.exit(0), 10_000).unref();
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
} catch (e) {
  if (e instanceof ConfigError) {
    logger.fatal({ problems: e.problems }, e.message);
    console.error(e.message);
  } else logger.fatal({ err: e }, 'failed to start');
  process.exitCode = 1;
}
