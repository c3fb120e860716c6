/** Boot: config → telemetry → store, ACME issuer, renewal sweep → gRPC server → graceful shutdown. */
import { ConfigError, createLogger, Shutdown, startTelemetry } from '@poppy/platform';
import { loadCertificatesConfig } from './config';

async function main(): Promise<void> {
  const config = loadCertificatesConfig();
  const telemetry = startTelemetry('poppy-certificates', config);
  const logger = createLogger('certificates', config.logLevel);
  // Loaded after telemetry so gRPC and HTTP are instrumented.
  const { startCertificates } = await import('./start');
  const shutdown = new Shutdown(logger);
  shutdown.add('telemetry', () => telemetry.shutdown());
  await startCertificates(config, logger, shutdown);
  shutdown.listen();
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`certificates: ${err.message}\n`);
  } else {
    process.stderr.write(`certificates: failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  }
  process.exit(1);
});
