import { serveProviderProcess } from '@poppy/provider-kit';
import type { Logger, Shutdown } from '@poppy/platform';
import { AwsCloudFrontApi, createAcmClient, createCloudFrontClient } from './aws-cloudfront-api';
import { CAPABILITIES, KNOWN_UNSUPPORTED } from './capabilities';
import { CloudFrontDriver } from './cloudfront-driver';
import type { ProviderCloudFrontConfig } from './config';

export async function startProviderCloudFront(
  config: ProviderCloudFrontConfig,
  logger: Logger,
  shutdown: Shutdown,
): Promise<void> {
  const client = createCloudFrontClient(config);
  shutdown.add('cloudfront client', () => client.destroy());
  const acm = createAcmClient(config);
  shutdown.add('acm client', async () => acm.destroy());
  const driver = new CloudFrontDriver({
    api: new AwsCloudFrontApi(client, acm),
    settings: {
      priceClass: config.priceClass,
      acmCertificateArn: config.acmCertificateArn,
      defaultTtl: config.defaultCacheTtl,
    },
    pollHintMs: config.pollMs,
    purgeWait: config.purgeWait,
  });
  await serveProviderProcess(driver, {
    name: 'provider-cloudfront',
    host: config.host,
    port: config.port,
    logger,
    shutdown,
    readyFields: {
      endpoint: config.endpoint ?? 'aws',
      region: config.region,
      capabilities: CAPABILITIES,
      unsupported: KNOWN_UNSUPPORTED,
    },
  });
}
