export * from './job-queue';
export { runDelivery, type Settlement, type DeliveryInput } from './delivery';
export { Slots } from './slots';
export { SqliteJobQueue, type SqliteJobQueueOptions } from './drivers/sqlite-job-queue';
// NatsJobQueue is loaded by createJobQueue only when configured (the NATS client costs
// memory in every process on the SQLite queue: docs/performance.md, memory per process).
export type { NatsJobQueueOptions } from './drivers/nats-job-queue';
export { createJobQueue, type JobQueueConfig } from './create-job-queue';
export { readJobQueueConfig } from './job-queue-config';
export {
  decodeServiceJob,
  encodeServiceJob,
  isServiceJobKind,
  SERVICE_JOB_KINDS,
  type ServiceJobBody,
  type ServiceJobKind,
  type ServiceJobMessage,
} from './service-jobs';
export { watchQueueHealth, type QueueHealthWatch } from './queue-health';
