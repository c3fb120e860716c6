/**
 * The flows, one per job kind (poppy.jobs.v1). A new kind is a message in
 * proto/poppy/jobs/v1/jobs.proto, a flow file here (a `runProviderFlow` call when it works
 * provider by provider) and its row below; the compiler asks for the row.
 */
import type { JobOutcome, ServiceJobKind } from '@poppy/jobs';
import { runCertificate } from './certificate-flow';
import { runCreate } from './create-flow';
import { runDelete } from './delete-flow';
import type { FlowContext } from './flow-context';
import { runOperatorStatus } from './operator-status-flow';
import { runPurge } from './purge-flow';
import type { ServiceJob } from './service-job';
import { runUpdate } from './update-flow';

export type Flow = (ctx: FlowContext, job: ServiceJob) => Promise<JobOutcome>;

export const FLOWS: Readonly<Record<ServiceJobKind, Flow>> = {
  create: runCreate,
  update: runUpdate,
  delete: runDelete,
  purge: runPurge,
  enable: runOperatorStatus,
  disable: runOperatorStatus,
  certificate: runCertificate,
};

export { DONE, loadService, type CatalogApi, type FlowContext } from './flow-context';
export { cleared, failedDetail } from './provider-details';
export { readServiceJob, type ServiceJob } from './service-job';
export { WriteBack } from './write-back';
export {
  CatalogUnavailableError,
  isCatalogUnavailable,
  patientCatalog,
  waitForCatalog,
  type CatalogWaitOptions,
} from './catalog-wait';
