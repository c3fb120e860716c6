import { startGrpcServer, type Logger, type Shutdown } from '@poppy/platform';
import { CircuitBreakers } from '@poppy/resilience';
import type { DnsServiceConfig } from './config';
import { DesignateDriver } from './drivers/designate-driver';
import type { DnsDriver } from './drivers/dns-driver';
import { ManualDnsDriver } from './drivers/manual-driver';
import { PowerDnsDriver } from './drivers/powerdns-driver';
import { OperatorDns } from './operator-dns';
import { dnsGrpcService } from './server';

/** Selecting a backend is configuration, nothing else. */
export async function createDnsDriver(
  config: DnsServiceConfig,
  shutdown?: Shutdown,
): Promise<DnsDriver> {
  switch (config.backend) {
    case 'manual':
      return new ManualDnsDriver();
    case 'powerdns':
      return new PowerDnsDriver({
        ...config.powerdns,
        timeoutMs: config.breaker.timeoutMs || undefined,
      });
    case 'route53': {
      // Loaded only when configured: the AWS SDK is memory the other backends do not need.
      const { Route53Driver } = await import('./drivers/route53-driver');
      const driver = new Route53Driver({
        ...config.route53,
        timeoutMs: config.breaker.timeoutMs || undefined,
      });
      shutdown?.add('route53 client', async () => driver.close());
      return driver;
    }
    case 'designate':
      return new DesignateDriver({
        apiUrl: config.designate.apiUrl,
        token: config.designate.token,
        ...(config.designate.email ? { email: config.designate.email } : {}),
        timeoutMs: config.breaker.timeoutMs || undefined,
      });
  }
}

export async function startDns(
  config: DnsServiceConfig,
  logger: Logger,
  shutdown: Shutdown,
): Promise<void> {
  const breakers = new CircuitBreakers(config.breaker, logger);
  shutdown.add('circuit breakers', () => breakers.shutdown());
  const driver = await createDnsDriver(config, shutdown);
  const dns = new OperatorDns(driver, config.operator, breakers, logger);
  const server = await startGrpcServer({
    host: config.host,
    port: config.port,
    services: [dnsGrpcService(dns, logger)],
    logger,
  });
  shutdown.add('grpc server', () => server.stop());
  // Harnesses that start the service on port 0 read the bound port from this line.
  logger.info(
    {
      port: server.port,
      backend: config.backend,
      dns: driver.dnsName,
      suffix: config.operator.suffix,
    },
    'dns ready',
  );
}
