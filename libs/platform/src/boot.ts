/**
 * Process boot, shared by every service and the gateway. Import it from `main.ts` and
 * `config.ts` as '@poppy/platform/boot' — never through '@poppy/platform', which loads gRPC:
 * OpenTelemetry can only instrument @grpc/grpc-js and http when they are loaded after it
 * started, so this entry point loads neither.
 *
 *   runService({ name: 'catalog', loadConfig, start: async (config, logger, shutdown) =>
 *     (await import('./start')).startCatalog(config, logger, shutdown) });
 *
 * Order: config (every problem listed; exit 1) → telemetry → logger → the service's own
 * modules (the dynamic import in `start`) → SIGTERM/SIGINT → graceful shutdown.
 */
import { ConfigError, type CommonConfig } from './config';
import { createLogger, type Logger } from './logging';
import { Shutdown } from './shutdown';
import { startTelemetry } from './telemetry';

export * from './config';
export * from './logging';
export * from './shutdown';
export * from './telemetry';

export interface ServiceBoot<C extends CommonConfig> {
  /** The process name: log field `service`, telemetry `poppy-<name>`, error prefix. */
  name: string;
  loadConfig: () => C;
  /** Loads the service's modules (dynamic import) and starts it; register clean-ups on `shutdown`. */
  start: (config: C, logger: Logger, shutdown: Shutdown) => Promise<void>;
  /** One-shot commands (`main.js <command>`), e.g. `migrate`; they run without telemetry. */
  commands?: Record<string, (config: C, logger: Logger) => Promise<void>>;
}

export function runService<C extends CommonConfig>(boot: ServiceBoot<C>): void {
  run(boot).catch((err: unknown) => {
    const why =
      err instanceof ConfigError
        ? err.message
        : `failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`;
    process.stderr.write(`${boot.name}: ${why}\n`);
    process.exit(1);
  });
}

async function run<C extends CommonConfig>(boot: ServiceBoot<C>): Promise<void> {
  const command = process.argv[2];
  const config = boot.loadConfig();
  if (command !== undefined) {
    const known = Object.keys(boot.commands ?? {});
    const runCommand = boot.commands?.[command];
    if (!runCommand) {
      throw new Error(
        `unknown command '${command}' (expected none${known.map((k) => `, or '${k}'`).join('')})`,
      );
    }
    return runCommand(config, createLogger(boot.name, config.logLevel));
  }
  const telemetry = startTelemetry(`poppy-${boot.name}`, config);
  const logger = createLogger(boot.name, config.logLevel);
  const shutdown = new Shutdown(logger);
  shutdown.add('telemetry', () => telemetry.shutdown());
  await boot.start(config, logger, shutdown);
  shutdown.listen();
}
