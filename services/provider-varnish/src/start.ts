import { serveProviderProcess } from '@poppy/provider-kit';
import type { Logger, Shutdown } from '@poppy/platform';
import { VarnishCli } from './admin/varnish-cli';
import { VARNISH_CAPABILITIES } from './capabilities';
import type { ProviderVarnishConfig } from './config';
import { httpEdgeRefresh, refreshTokenFrom } from './edge-refresh';
import { EdgeCertificates, hitchReloadByPidFile } from './tls/edge-certificates';
import { VarnishDriver } from './varnish-driver';

export async function startProviderVarnish(
  config: ProviderVarnishConfig,
  logger: Logger,
  shutdown: Shutdown,
): Promise<void> {
  const cli = new VarnishCli({
    ...config.admin,
    secretFile: config.secretFile,
    timeoutMs: config.cliTimeoutMs,
  });
  shutdown.add('varnish cli', () => cli.close());
  const driver = new VarnishDriver(cli, httpEdgeRefresh(config.http), {
    providerName: config.providerName,
    edgeHostname: config.edgeHostname,
    geoHeader: config.geoHeader,
    refreshToken: refreshTokenFrom(config.secretFile),
    maxQueuedChanges: config.maxQueuedChanges,
    certificates: config.tls
      ? new EdgeCertificates({
          pemDir: config.tls.pemDir,
          reload: hitchReloadByPidFile(config.tls.hitchPidFile),
          tlsAddress: config.tls.address,
          confirmTimeoutMs: config.tls.confirmTimeoutMs,
        })
      : undefined,
  });
  // The edge may start after the adapter: not reachable now is a warning, calls retry later.
  if (!(await driver.isAlive()))
    logger.warn({ admin: config.admin }, 'varnishd management interface not reachable yet');
  await serveProviderProcess(driver, {
    name: 'provider-varnish',
    host: config.host,
    port: config.port,
    logger,
    shutdown,
    readyFields: {
      admin: config.admin,
      edge: config.edgeHostname,
      tlsPemDir: config.tls?.pemDir ?? null,
      capabilities: VARNISH_CAPABILITIES,
    },
  });
}
