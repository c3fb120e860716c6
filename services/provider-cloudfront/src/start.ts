import { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { startProviderAdapter } from '@poppy/provider-kit';
import type { Logger, Shutdown } from '@poppy/platform';
import { CAPABILITIES, KNOWN_UNSUPPORTED } from './capabilities';
import { CloudFrontDriver } from './cloudfront-driver';
import type { ProviderCloudFrontConfig } from './config';

export function createCloudFrontClient(config: ProviderCloudFrontConfig): CloudFrontClient {
  return new CloudFrontClient({
    region: config.region,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    ...(config.credentials ? { credentials: config.credentials } : {}),
    maxAttempts: config.maxAttempts,
    requestHandler: {
      requestTimeout: config.requestTimeoutMs,
      connectionTimeout: config.requestTimeoutMs,
    },
  });
}

export async function startProviderCloudFront(
  config: ProviderCloudFrontConfig,
  logger: Logger,
  shutdown: Shutdown,
): Promise<void> {
  const client = createCloudFrontClient(config);
  shutdown.add('cloudfront client', () => client.destroy());
  const driver = new CloudFrontDriver({
    client,
    settings: {
      priceClass: config.priceClass,
      acmCertificateArn: config.acmCertificateArn,
      defaultTtl: config.defaultCacheTtl,
    },
    pollHintMs: config.pollMs,
    purgeWait: config.purgeWait,
  });
  const adapter = await startProviderAdapter(driver, {
    host: config.host,
    port: config.port,
    logger,
  });
  shutdown.add('grpc server', () => adapter.close());
  logger.info(
    { capabilities: CAPABILITIES, unsupported: KNOWN_UNSUPPORTED },
    'capability manifest',
  );
  // Harnesses that start the adapter on port 0 read the bound port from this line.
  logger.info(
    { port: adapter.port, endpoint: config.endpoint ?? 'aws', region: config.region },
    'provider-cloudfront ready',
  );
}
