/** Boot: config → telemetry → CloudFront client + driver → gRPC adapter → graceful shutdown. */
import { createLogger, ConfigError, Shutdown, startTelemetry } from '@poppy/platform';
import { loadProviderCloudFrontConfig } from './config';

async function main(): Promise<void> {
  const config = loadProviderCloudFrontConfig();
  const telemetry = startTelemetry('poppy-provider-cloudfront', config);
  const logger = createLogger('provider-cloudfront', config.logLevel);
  // Loaded after telemetry so gRPC and HTTP are instrumented.
  const { startProviderCloudFront } = await import('./start');
  const shutdown = new Shutdown(logger);
  shutdown.add('telemetry', () => telemetry.shutdown());
  await startProviderCloudFront(config, logger, shutdown);
  shutdown.listen();
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`provider-cloudfront: ${err.message}\n`);
  } else {
    process.stderr.write(
      `provider-cloudfront: failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
  }
  process.exit(1);
});
