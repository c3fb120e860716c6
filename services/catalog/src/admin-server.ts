/** Thin gRPC handlers of the operator RPCs (docs/behaviour.md §10.3, §10.4, §10.10–10.14). */
import type { catalogV1 } from '@poppy/contracts';
import { invalid } from '@poppy/domain';
import type { AdminOperations } from './admin-operations';
import type { AkamaiAdmin } from './akamai/akamai-admin';
import {
  AKAMAI_CONFIG_KINDS,
  AKAMAI_QUEUES,
  type AkamaiConfigKind,
  type AkamaiQueue,
  type JsonObject,
} from './store/akamai-state-store';

export interface CatalogAdmin {
  operations: AdminOperations;
  akamai: AkamaiAdmin;
}

function queueOf(name: string): AkamaiQueue {
  if (!(AKAMAI_QUEUES as readonly string[]).includes(name))
    throw invalid(`Unknown queue ${name}; expected one of ${AKAMAI_QUEUES.join(', ')}`);
  return name as AkamaiQueue;
}

function kindOf(name: string): AkamaiConfigKind {
  if (!(AKAMAI_CONFIG_KINDS as readonly string[]).includes(name))
    throw invalid(`Unknown configuration kind ${name}`);
  return name as AkamaiConfigKind;
}

function objects(values: unknown[]): JsonObject[] {
  for (const v of values)
    if (v === null || typeof v !== 'object' || Array.isArray(v))
      throw invalid('every queue item must be a JSON object');
  return values as JsonObject[];
}

export function catalogAdminHandlers(admin: CatalogAdmin) {
  const { operations, akamai } = admin;
  return {
    setServiceStatus: async (
      req: catalogV1.SetServiceStatusRequest,
    ): Promise<catalogV1.SetServiceStatusResponse> => {
      if (req.status !== 'deployed' && req.status !== 'failed')
        throw invalid(`status must be deployed or failed, not ${req.status}`);
      return operations.setServiceStatus(req.project_id, req.service_id, req.status);
    },
    updateOperatorUrl: async (
      req: catalogV1.UpdateOperatorUrlRequest,
    ): Promise<catalogV1.UpdateOperatorUrlResponse> => ({
      changed: await operations.updateOperatorUrl(req.project_id, req.service_id, {
        domain: req.domain_name,
        operatorUrl: req.operator_url,
        providerUrl: req.provider_url,
      }),
    }),
    migrateDomain: async (
      req: catalogV1.MigrateDomainRequest,
    ): Promise<catalogV1.MigrateDomainResponse> => {
      await operations.migrateDomain(req.project_id, req.service_id, {
        domain: req.domain_name,
        newCert: req.new_cert,
        certStatus: req.cert_status,
      });
      return {};
    },
    listAkamaiQueue: async (
      req: catalogV1.ListAkamaiQueueRequest,
    ): Promise<catalogV1.ListAkamaiQueueResponse> => ({
      items: await akamai.listQueue(queueOf(req.queue)),
    }),
    replaceAkamaiQueue: async (
      req: catalogV1.ReplaceAkamaiQueueRequest,
    ): Promise<catalogV1.ReplaceAkamaiQueueResponse> =>
      akamai.replaceQueue(queueOf(req.queue), objects(req.items)),
    runAkamaiBackgroundJob: async (
      req: catalogV1.RunAkamaiBackgroundJobRequest,
    ): Promise<catalogV1.RunAkamaiBackgroundJobResponse> => akamai.runBackgroundJob(req.job_type),
    processAkamaiRetryList: async (): Promise<catalogV1.ProcessAkamaiRetryListResponse> =>
      akamai.processRetryList(),
    getAkamaiConfig: async (
      req: catalogV1.GetAkamaiConfigRequest,
    ): Promise<catalogV1.GetAkamaiConfigResponse> => ({
      config: await akamai.getConfig(kindOf(req.kind), req.name),
    }),
    updateAkamaiConfig: async (
      req: catalogV1.UpdateAkamaiConfigRequest,
    ): Promise<catalogV1.UpdateAkamaiConfigResponse> => ({
      config: await akamai.updateConfig(kindOf(req.kind), req.name, req.changes ?? {}),
    }),
  };
}
