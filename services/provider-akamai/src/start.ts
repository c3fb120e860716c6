import { LocalRateBudget, serveProviderProcess } from '@poppy/provider-kit';
import type { Logger, Shutdown } from '@poppy/platform';
import { AkamaiDriver } from './akamai-driver';
import { CAPABILITIES, KNOWN_UNSUPPORTED } from './capabilities';
import type { ProviderAkamaiConfig } from './config';
import { HttpAkamaiApi } from './http-akamai-api';

export function createAkamaiDriver(config: ProviderAkamaiConfig): AkamaiDriver {
  const api = new HttpAkamaiApi({
    baseUrl: config.baseUrl,
    credentials: config.credentials,
    contractId: config.contractId,
    groupId: config.groupId,
    productId: config.productId,
    ruleFormat: config.ruleFormat,
    notifyEmails: config.notifyEmails,
    purgeNetwork: config.purgeNetwork,
    accountSwitchKey: config.accountSwitchKey,
    timeoutMs: config.requestTimeoutMs,
    certificateContact: config.certificateContact,
    budget: new LocalRateBudget({ ratePerSecond: config.ratePerSecond, burst: config.rateBurst }),
  });
  return new AkamaiDriver({
    api,
    settings: {
      cpCodeId: config.cpCodeId,
      edgeHostname: config.edgeHostname,
      secureEdgeHostname: config.secureEdgeHostname,
      defaultTtl: config.defaultCacheTtl,
    },
    pollHintMs: config.pollMs,
  });
}

export async function startProviderAkamai(
  config: ProviderAkamaiConfig,
  logger: Logger,
  shutdown: Shutdown,
): Promise<void> {
  await serveProviderProcess(createAkamaiDriver(config), {
    name: 'provider-akamai',
    host: config.host,
    port: config.port,
    logger,
    shutdown,
    readyFields: {
      baseUrl: config.baseUrl,
      contractId: config.contractId,
      groupId: config.groupId,
      ratePerSecond: config.ratePerSecond,
      capabilities: CAPABILITIES,
      unsupported: KNOWN_UNSUPPORTED,
    },
  });
}
