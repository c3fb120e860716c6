import { LocalRateBudget, serveProviderProcess } from '@poppy/provider-kit';
import type { Logger, Shutdown } from '@poppy/platform';
import { AkamaiAdminOperations } from './akamai-admin';
import { AkamaiDriver } from './akamai-driver';
import { akamaiAdminGrpcService } from './admin-server';
import { CAPABILITIES, KNOWN_UNSUPPORTED } from './capabilities';
import type { ProviderAkamaiConfig } from './config';
import { HttpAkamaiApi } from './http-akamai-api';

export function createAkamaiApi(config: ProviderAkamaiConfig): HttpAkamaiApi {
  return new HttpAkamaiApi({
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
}

export function createAkamaiDriver(
  config: ProviderAkamaiConfig,
  api: HttpAkamaiApi = createAkamaiApi(config),
): AkamaiDriver {
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
  // One API client (and so one rate budget) for the provider and the operator routes.
  const api = createAkamaiApi(config);
  const admin = new AkamaiAdminOperations(api, {
    sanCertNames: config.sanCertNames,
    sniCertNames: config.sniCertNames,
    httpsSuffix: config.httpsSuffix,
    sanPropertyName: config.sanPropertyName,
    sniPropertyName: config.sniPropertyName,
  });
  await serveProviderProcess(createAkamaiDriver(config, api), {
    name: 'provider-akamai',
    extraServices: [akamaiAdminGrpcService(admin, logger)],
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
