/** Boot: config → telemetry → catalog client → HTTP server → graceful shutdown. */
import { ConfigError, createLogger, Shutdown, startTelemetry } from '@poppy/platform';
import { loadGatewayConfig } from './config';

async function main(): Promise<void> {
  const config = loadGatewayConfig();
  const telemetry = startTelemetry('poppy-gateway', config);
  const logger = createLogger('gateway', config.logLevel);
  // Loaded after telemetry so HTTP and gRPC are instrumented.
  const { catalogV1 } = await import('@poppy/contracts');
  const { createPromiseClient } = await import('@poppy/platform');
  const { buildApp } = await import('./app');
  const { withCoalescedReads } = await import('./coalesced-reads');
  const shutdown = new Shutdown(logger);
  shutdown.add('telemetry', () => telemetry.shutdown());
  const catalog = createPromiseClient(catalogV1.CatalogServiceService, config.catalogAddress, {
    deadlineMs: config.grpcDeadlineMs,
  });
  shutdown.add('catalog client', () => catalog.close());
  const app = await buildApp({ catalog: withCoalescedReads(catalog), config }, logger);
  await app.listen({ host: config.host, port: config.port });
  shutdown.add('http server', () => app.close());
  const address = app.server.address();
  // Harnesses that start the gateway on port 0 read the bound port from this line.
  logger.info(
    { port: typeof address === 'object' && address ? address.port : config.port },
    'gateway ready',
  );
  shutdown.listen();
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`gateway: ${err.message}\n`);
  } else {
    process.stderr.write(
      `gateway: failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
  }
  process.exit(1);
});
