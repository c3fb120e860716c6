/**
 * The start-up every adapter process shares (services/provider-<vendor>/src/start.ts):
 * serve the driver, register the server's graceful stop, then log "<name> ready" with the
 * bound port — the line test harnesses (libs/testing processes.ts) wait for. Each start.ts
 * builds its driver and calls this; see docs/adding-a-provider.md.
 */
import type { GrpcServiceBinding, Logger, Shutdown } from '@poppy/platform';
import { startProviderAdapter, type RunningProviderAdapter } from './provider-adapter';
import type { ProviderDriver } from './provider-driver';

export interface ProviderProcessOptions {
  /** The process name, e.g. "provider-cloudfront": the ready line says "<name> ready". */
  name: string;
  host: string;
  /** 0 picks a free port (the ready line names it). */
  port: number;
  logger: Logger;
  shutdown: Shutdown;
  /** What else the ready line tells an operator (endpoint, capabilities, …). */
  readyFields?: Record<string, unknown>;
  /** Vendor services served beside the provider service, on the same port. */
  extraServices?: GrpcServiceBinding[];
}

export async function serveProviderProcess(
  driver: ProviderDriver,
  options: ProviderProcessOptions,
): Promise<RunningProviderAdapter> {
  const { name, host, port, logger, shutdown } = options;
  const adapter = await startProviderAdapter(driver, {
    host,
    port,
    logger,
    extraServices: options.extraServices,
  });
  shutdown.add('grpc server', () => adapter.close());
  logger.info(
    { ...options.readyFields, port: adapter.port, provider: driver.providerName },
    `${name} ready`,
  );
  return adapter;
}
