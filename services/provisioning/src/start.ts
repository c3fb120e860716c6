import { catalogV1, certificatesV1 } from '@poppy/contracts';
import { createJobQueue, SERVICE_JOB_KINDS, watchQueueHealth, type JobQueue } from '@poppy/jobs';
import {
  createPromiseClient,
  limitRepeatedLogs,
  startGrpcServer,
  type Logger,
  type Shutdown,
} from '@poppy/platform';
import { createProviderClient } from '@poppy/provider-kit';
import { CircuitBreakers } from '@poppy/resilience';
import type { ProvisioningConfig } from './config';
import { createDnsDriver } from './dns';
import { FlavorCache } from './flavor-cache';
import { patientCatalog, type FlowContext } from './flows';
import { createJobHandler, createTerminationHandler } from './job-handler';
import { ProviderRegistry, type ProviderApi } from './providers';
import { OrphanSweep } from './orphan-sweep';
import { Reconciler } from './reconciler';
import { WriteBackBatcher } from './write-back-batcher';

/** How often the worker re-asks the queue whether it can deliver jobs (its health status). */
const QUEUE_HEALTH_INTERVAL_MS = 5_000;

/** Connects to the queue, retrying while it is unreachable (NATS starting): the worker waits, it does not crash. */
async function connectQueue(config: ProvisioningConfig, logger: Logger): Promise<JobQueue> {
  // The queue driver warns once per job per retry; an outage must not flood the log.
  const queueLogger = limitRepeatedLogs(logger);
  for (let attempt = 1; ; attempt++) {
    try {
      return await createJobQueue(config.queue, { logger: queueLogger });
    } catch (err) {
      if (attempt === 1 || attempt % 10 === 0)
        logger.warn({ err, attempt }, 'job queue unreachable, retrying');
      await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 100 * attempt)));
    }
  }
}

export async function startProvisioning(
  config: ProvisioningConfig,
  logger: Logger,
  shutdown: Shutdown,
): Promise<void> {
  const catalog = createPromiseClient(catalogV1.CatalogServiceService, config.catalogAddress, {
    deadlineMs: config.grpcDeadlineMs,
  });
  shutdown.add('catalog client', () => catalog.close());

  const breakers = new CircuitBreakers(config.breaker, logger);
  shutdown.add('circuit breakers', () => breakers.shutdown());
  const clients = new Map<string, ProviderApi>();
  for (const [id, address] of Object.entries(config.providerAddresses)) {
    // The breaker's timeout decides; the deadline only keeps a lost call from lingering.
    const client = createProviderClient(address, { deadlineMs: config.breaker.timeoutMs + 1000 });
    clients.set(id, client);
    shutdown.add(`provider client ${id}`, () => client.close());
  }

  const dns = createDnsDriver(config.dnsDriver, { address: config.dnsAddress });
  if (dns.close) shutdown.add('dns client', async () => dns.close?.());
  const certificates = config.certificates.address
    ? createPromiseClient(certificatesV1.CertificatesServiceService, config.certificates.address, {
        deadlineMs: config.certificates.waitMs + config.grpcDeadlineMs,
      })
    : undefined;
  if (certificates) shutdown.add('certificates client', () => certificates.close());
  const writeBacks = new WriteBackBatcher(catalog);
  // Reads go straight to the catalog; write-backs are batched per event-loop turn. Either
  // waits out a catalog or store outage (flows/catalog-wait.ts) instead of using up the job's
  // attempts, for at most one reconcile period.
  const flowCatalog = patientCatalog(
    { ...catalog, updateProvisioning: writeBacks.updateProvisioning },
    { backoff: config.backoff, maxWaitMs: config.reconcileStuckAfterMs, logger },
  );
  const ctx: FlowContext = {
    catalog: flowCatalog,
    flavors: new FlavorCache(flowCatalog),
    providers: new ProviderRegistry(clients, breakers),
    dns,
    certificates: certificates && { api: certificates, waitMs: config.certificates.waitMs },
    logger,
    backoff: config.backoff,
  };

  const queue = await connectQueue(config, logger);
  shutdown.add('job queue', () => queue.close());
  const consumer = await queue.consume(createJobHandler(ctx), {
    kinds: [...SERVICE_JOB_KINDS],
    concurrency: config.concurrency,
    maxAttempts: config.maxAttempts,
    backoff: { ...config.backoff, factor: 2 },
    leaseMs: config.leaseMs,
    onTerminated: createTerminationHandler(ctx),
  });
  shutdown.add('job consumer', () => consumer.stop());

  if (config.reconcileIntervalMs > 0) {
    const reconciler = new Reconciler(catalog, (job) => queue.publish(job), logger, {
      stuckAfterMs: config.reconcileStuckAfterMs,
    }).start(config.reconcileIntervalMs);
    shutdown.add('reconciler', () => reconciler.stop());
  }

  if (config.orphanSweepIntervalMs > 0) {
    const sweep = new OrphanSweep(ctx.providers, catalog, logger, {
      graceMs: config.orphanSweepGraceMs,
      dryRun: config.orphanSweepDryRun,
    }).start(config.orphanSweepIntervalMs);
    shutdown.add('orphan sweep', () => sweep.stop());
  }

  // gRPC for grpc.health.v1 only: provisioning takes its work from the queue.
  const server = await startGrpcServer({
    host: config.host,
    port: config.port,
    services: [],
    logger,
  });
  shutdown.add('grpc server', () => server.stop());
  // Serving means jobs reach this worker: a live connection to a server that lost the
  // stream is NOT_SERVING until the queue has re-created it (docs/reliability.md).
  const queueWatch = watchQueueHealth(
    queue,
    (online) => {
      server.health.setStatus('', online ? 'SERVING' : 'NOT_SERVING');
      if (!online) logger.warn('the job queue cannot deliver jobs; health is NOT_SERVING');
    },
    QUEUE_HEALTH_INTERVAL_MS,
  );
  shutdown.add('queue health', async () => queueWatch.stop());
  logger.info(
    {
      port: server.port,
      queue: config.queue.driver,
      providers: Object.keys(config.providerAddresses),
      concurrency: config.concurrency,
    },
    'provisioning ready',
  );
}
