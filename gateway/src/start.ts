/** Catalog client → HTTP server; what main.ts starts once telemetry is up. */
import { catalogV1, certificatesV1 } from '@poppy/contracts';
import { createPromiseClient, type Logger, type Shutdown } from '@poppy/platform';
import { buildApp } from './app';
import { createAccessControl } from './auth/access-control';
import { LocalRateLimiter } from './rate-limit';
import { withCoalescedReads } from './coalesced-reads';
import type { GatewayConfig } from './config';

export async function startGateway(
  config: GatewayConfig,
  logger: Logger,
  shutdown: Shutdown,
): Promise<void> {
  const catalog = createPromiseClient(catalogV1.CatalogServiceService, config.catalogAddress, {
    deadlineMs: config.grpcDeadlineMs,
  });
  shutdown.add('catalog client', () => catalog.close());
  const certificates = config.certificatesAddress
    ? createPromiseClient(certificatesV1.CertificatesServiceService, config.certificatesAddress, {
        deadlineMs: config.grpcDeadlineMs,
      })
    : undefined;
  if (certificates) shutdown.add('certificates client', () => certificates.close());
  const app = await buildApp(
    {
      catalog: withCoalescedReads(catalog),
      certificates,
      config,
      access: createAccessControl(config.auth, logger),
      rateLimit:
        Object.keys(config.rateLimits).length > 0
          ? new LocalRateLimiter(config.rateLimits)
          : undefined,
    },
    logger,
  );
  await app.listen({ host: config.host, port: config.port });
  shutdown.add('http server', () => app.close());
  const address = app.server.address();
  // Harnesses that start the gateway on port 0 read the bound port from this line.
  logger.info(
    { port: typeof address === 'object' && address ? address.port : config.port },
    'gateway ready',
  );
}
