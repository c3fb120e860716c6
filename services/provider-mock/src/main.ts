/** Boot: config → telemetry → mock driver → gRPC adapter → graceful shutdown. */
import { createLogger, ConfigError, Shutdown, startTelemetry } from '@poppy/platform';
import { loadProviderMockConfig } from './config';

async function main(): Promise<void> {
  const config = loadProviderMockConfig();
  const telemetry = startTelemetry('poppy-provider-mock', config);
  const logger = createLogger('provider-mock', config.logLevel);
  // Loaded after telemetry so gRPC is instrumented.
  const { startProviderMock } = await import('./start');
  const shutdown = new Shutdown(logger);
  shutdown.add('telemetry', () => telemetry.shutdown());
  await startProviderMock(config, logger, shutdown);
  shutdown.listen();
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`provider-mock: ${err.message}\n`);
  } else {
    process.stderr.write(
      `provider-mock: failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
  }
  process.exit(1);
});
