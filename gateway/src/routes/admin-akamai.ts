/**
 * Akamai operator routes (docs/behaviour.md §10.10–10.14). The queues and configuration live in
 * the catalog store; without the Akamai adapter they answer the Akamai-less way (see
 * services/catalog/src/akamai/akamai-admin.ts). Role: admin (gateway/src/auth/access-table.ts).
 */
import {
  assertMatchesSchema,
  htmlEscape,
  invalid,
  isPoppyError,
  isValidDomainName,
  notFound,
  parseJsonText,
  validateDomainParam,
} from '@poppy/domain';
import {
  backgroundJobBody,
  certificateConfigBody,
  queueItemsBody,
  queueReplacedBody,
  retryRunBody,
} from '../response-schemas';
import type { RouteContext, RouteDef, RouteDoc, RouteReply } from '../route-table';
import { failingAs } from './admin-errors';

const BASE = '/v1.0/admin/provider/akamai';
const HOSTNAME_LIMIT = 'san_cert_hostname_limit';
const hostname = { type: 'string', minLength: 3, maxLength: 253 };

/** docs/behaviour.md §10.10 body. */
export const migrateSchema = {
  type: 'object',
  properties: {
    project_id: { type: 'string' },
    service_id: { type: 'string' },
    domain_name: hostname,
    new_cert: { type: 'string' },
    cert_status: { enum: ['create_in_progress', 'deployed'] },
  },
  required: ['project_id', 'service_id', 'domain_name', 'new_cert'],
  additionalProperties: false,
};

/** docs/behaviour.md §10.11 body: the check-and-update job, or a property update (SAN / SNI). */
export const backgroundJobSchema = {
  type: 'object',
  oneOf: [
    {
      properties: {
        job_type: { enum: ['akamai_check_and_update_cert_status'] },
        project_id: { type: 'string' },
      },
      required: ['job_type'],
      additionalProperties: false,
    },
    {
      properties: {
        job_type: {
          enum: [
            'akamai_update_papi_property_for_mod_san',
            'akamai_update_papi_property_for_mod_sni',
          ],
        },
        update_type: { enum: ['hostnames'] },
        action: { enum: ['add', 'remove'] },
        // The original's enum holds one concatenated string (docs/behaviour.md §10.11 QUIRK), kept.
        property_spec: {
          enum: ['akamai_https_san_config_numbersakamai_https_sni_config_numbers'],
        },
        san_cert_domain_suffix: { type: 'string' },
      },
      required: ['job_type'],
      additionalProperties: false,
    },
  ],
};

/** docs/behaviour.md §10.12 PUT body. */
export const sanMappingSchema = {
  type: 'array',
  uniqueItems: true,
  items: {
    type: 'object',
    properties: {
      domain_name: hostname,
      flavor_id: { type: 'string', minLength: 1, maxLength: 256 },
      project_id: { type: 'string' },
      cert_type: { enum: ['san', 'sni'] },
      property_activated: { type: 'boolean' },
      cert_details: {
        type: 'object',
        properties: {
          Akamai: {
            type: 'object',
            properties: {
              extra_info: {
                type: 'object',
                properties: {
                  'san cert': hostname,
                  sni_cert: hostname,
                  akamai_spsId: { type: 'integer' },
                  change_url: { type: 'string' },
                },
                additionalProperties: false,
              },
            },
            required: ['extra_info'],
            additionalProperties: false,
          },
        },
        required: ['Akamai'],
        additionalProperties: false,
      },
    },
    required: ['domain_name', 'flavor_id', 'project_id', 'cert_type', 'cert_details'],
    additionalProperties: false,
  },
};

/** docs/behaviour.md §10.13 PUT body. */
export const retryListSchema = {
  type: 'array',
  uniqueItems: true,
  items: {
    type: 'object',
    properties: {
      flavor_id: { type: 'string', minLength: 1, maxLength: 256 },
      domain_name: hostname,
      project_id: { type: 'string', pattern: '^[a-zA-Z0-9_\\-.]{1,256}$' },
      validate_service: { type: 'boolean' },
    },
    required: ['flavor_id', 'domain_name', 'project_id'],
    additionalProperties: false,
  },
};

/** docs/behaviour.md §10.14 POST body of config/{x}. */
export const sanConfigSchema = {
  type: 'object',
  properties: {
    spsId: { type: 'integer', minimum: 1 },
    enabled: { type: 'boolean' },
    san_cert_hostname_limit: { type: 'integer', minimum: 1, maximum: 200 },
  },
  additionalProperties: false,
};

/** docs/behaviour.md §10.14 POST body of sni_config/{cert_name}. */
export const sniConfigSchema = {
  type: 'object',
  properties: {
    enrollmentId: { type: 'integer', minimum: 1 },
    enabled: { type: 'boolean' },
  },
  additionalProperties: false,
};

const EDGE_SUFFIX = 'edgekey.net';

/** `POST .../akamai/service` (docs/behaviour.md §10.10): move a domain onto another certificate hostname. */
async function migrateDomain(ctx: RouteContext): Promise<RouteReply> {
  const body = parseJsonText(ctx.body);
  assertMatchesSchema(migrateSchema, body);
  const b = body as Record<string, string>;
  if (!isValidDomainName(b.domain_name))
    throw invalid(htmlEscape(`Domain ${b.domain_name} is not valid`));
  const newCert = b.new_cert.endsWith(EDGE_SUFFIX) ? b.new_cert : `${b.new_cert}.${EDGE_SUFFIX}`;
  const certStatus = b.cert_status ?? 'deployed';
  try {
    await ctx.deps.catalog.migrateDomain({
      project_id: b.project_id,
      service_id: b.service_id,
      domain_name: b.domain_name,
      new_cert: newCert,
      cert_status: certStatus,
    });
  } catch (e) {
    if (!isPoppyError(e) || e.kind === 'unavailable' || e.kind === 'internal') throw e;
    if (e.kind === 'not_found' && e.message.startsWith('Service '))
      throw notFound(`Service ${b.service_id} could not be found`);
    throw notFound(`Domain ${b.domain_name} could not be found`);
  }
  await recordCertificateStatus(ctx, b.project_id, b.domain_name, certStatus);
  return { status: 202 };
}

/** docs/behaviour.md D-12: the project's SAN certificate of the domain, if any, takes the new status. */
async function recordCertificateStatus(
  ctx: RouteContext,
  projectId: string,
  domain: string,
  status: string,
): Promise<void> {
  const certificates = ctx.deps.certificates;
  if (!certificates) return;
  try {
    const { certificate } = await certificates.getCertificate({ domain_name: domain });
    if (certificate?.project_id !== projectId || certificate.cert_type !== 'san') return;
    await certificates.updateCertificateStatus({ domain_name: domain, status });
  } catch (e) {
    if (!(isPoppyError(e) && e.kind === 'not_found')) throw e;
  }
}

/** `POST .../background_job` (docs/behaviour.md §10.11). */
async function backgroundJob(ctx: RouteContext): Promise<RouteReply> {
  const body = parseJsonText(ctx.body);
  assertMatchesSchema(backgroundJobSchema, body);
  const reply = await ctx.deps.catalog.runAkamaiBackgroundJob({
    job_type: (body as { job_type: string }).job_type,
  });
  return { status: 202, body: { sent: reply.sent, ignored: reply.ignored } };
}

function listQueue(queue: string, withDefaults?: (item: Record<string, unknown>) => unknown) {
  return async (ctx: RouteContext): Promise<RouteReply> => {
    const { items } = await failingAs(
      'not_found',
      (reason) => reason,
      () => ctx.deps.catalog.listAkamaiQueue({ queue }),
    );
    return { status: 200, body: withDefaults ? items.map(withDefaults) : items };
  };
}

async function replaceQueue(
  ctx: RouteContext,
  queue: string,
  items: unknown[],
): Promise<RouteReply> {
  const reply = await failingAs(
    'invalid',
    (reason) => reason,
    () => ctx.deps.catalog.replaceAkamaiQueue({ queue, items }),
  );
  return { status: 200, body: { queue: reply.queue, deleted: reply.deleted } };
}

/** `PUT .../background_job/san_mapping` (docs/behaviour.md §10.12). */
async function putSanMapping(ctx: RouteContext): Promise<RouteReply> {
  const body = parseJsonText(ctx.body);
  assertMatchesSchema(sanMappingSchema, body);
  return replaceQueue(ctx, 'san_mapping', body as unknown[]);
}

/** `PUT .../ssl_certificate/retry_list` (docs/behaviour.md §10.13): every item is checked before the queue changes. */
async function putRetryList(ctx: RouteContext): Promise<RouteReply> {
  const body = parseJsonText(ctx.body);
  assertMatchesSchema(retryListSchema, body);
  for (const item of body as Array<{ domain_name: string; validate_service?: boolean }>) {
    const domain = item.domain_name;
    if (item.validate_service !== false && !(await domainIsOnAService(ctx, domain))) {
      throw invalid(
        `Domain ${domain} does not exist on any service, are you sure you want to proceed request, ` +
          'set validate_service to false to skip this check',
      );
    }
    if (await certificateIsDeployed(ctx, domain)) throw invalid(`Cert on ${domain} already exists`);
  }
  return replaceQueue(ctx, 'retry_list', body as unknown[]);
}

async function domainIsOnAService(ctx: RouteContext, domain: string): Promise<boolean> {
  try {
    await ctx.deps.catalog.getServiceByDomain({ domain });
    return true;
  } catch (e) {
    if (isPoppyError(e) && e.kind === 'not_found') return false;
    throw e;
  }
}

async function certificateIsDeployed(ctx: RouteContext, domain: string): Promise<boolean> {
  if (!ctx.deps.certificates) return false;
  try {
    const { certificate } = await ctx.deps.certificates.getCertificate({ domain_name: domain });
    return certificate?.status === 'deployed';
  } catch (e) {
    if (isPoppyError(e) && e.kind === 'not_found') return false;
    throw e;
  }
}

/** `POST .../ssl_certificate/retry_list` (docs/behaviour.md §10.13): re-run the queued certificates. */
async function runRetryList(ctx: RouteContext): Promise<RouteReply> {
  const reply = await failingAs(
    'not_found',
    (reason) => reason,
    () => ctx.deps.catalog.processAkamaiRetryList({}),
  );
  return {
    status: 202,
    body: { processing: reply.processing, failed_validation: reply.failed_validation },
  };
}

/** `{x}` of config/{x}: the hostname-limit setting or a domain-like SAN certificate name. */
function configTarget(x: string | undefined): { kind: 'settings' | 'san'; name: string } {
  if (x === HOSTNAME_LIMIT) return { kind: 'settings', name: HOSTNAME_LIMIT };
  try {
    return { kind: 'san', name: validateDomainParam(x) };
  } catch (e) {
    if (!isPoppyError(e)) throw e;
    throw invalid(`${e.message} ${htmlEscape(`${String(x)} is not ${HOSTNAME_LIMIT}`)}`);
  }
}

async function getSanConfig(ctx: RouteContext): Promise<RouteReply> {
  const target = configTarget(ctx.params.name);
  const { config } = await failingAs(
    'invalid',
    (reason) => reason,
    () => ctx.deps.catalog.getAkamaiConfig(target),
  );
  return { status: 200, body: config ?? {} };
}

async function postSanConfig(ctx: RouteContext): Promise<RouteReply> {
  const target = configTarget(ctx.params.name);
  const body = parseJsonText(ctx.body);
  assertMatchesSchema(sanConfigSchema, body);
  const { config } = await failingAs(
    'invalid',
    (reason) => reason,
    () =>
      ctx.deps.catalog.updateAkamaiConfig({
        ...target,
        changes: body as Record<string, unknown>,
      }),
  );
  return target.kind === 'settings' ? { status: 202 } : { status: 200, body: config ?? {} };
}

async function getSniConfig(ctx: RouteContext): Promise<RouteReply> {
  const name = validateDomainParam(ctx.params.cert_name);
  const { config } = await failingAs(
    'invalid',
    (reason) => reason,
    () => ctx.deps.catalog.getAkamaiConfig({ kind: 'sni', name }),
  );
  return { status: 200, body: config ?? {} };
}

async function postSniConfig(ctx: RouteContext): Promise<RouteReply> {
  const name = validateDomainParam(ctx.params.cert_name);
  const body = parseJsonText(ctx.body);
  assertMatchesSchema(sniConfigSchema, body);
  const { config } = await failingAs(
    'invalid',
    (reason) => reason,
    () =>
      ctx.deps.catalog.updateAkamaiConfig({
        kind: 'sni',
        name,
        changes: body as Record<string, unknown>,
      }),
  );
  return { status: 200, body: config ?? {} };
}

const admin = (
  method: RouteDef['method'],
  url: string,
  summary: string,
  handler: RouteDef['handler'],
  doc: Omit<RouteDoc, 'tags'>,
): RouteDef => ({
  method,
  url: `${BASE}${url}`,
  project: true,
  summary,
  handler,
  openapi: { ...doc, tags: ['admin'] },
});

export const adminAkamaiRoutes: RouteDef[] = [
  admin('POST', '/service', 'Migrate a domain onto another certificate hostname', migrateDomain, {
    success: 202,
    requestSchema: migrateSchema,
    errors: [404],
  }),
  admin('POST', '/background_job', 'Run an Akamai background job', backgroundJob, {
    success: 202,
    successBody: backgroundJobBody,
    requestSchema: backgroundJobSchema,
  }),
  admin(
    'GET',
    '/background_job/san_mapping',
    'Read the SAN-mapping queue',
    listQueue('san_mapping'),
    { success: 200, successBody: queueItemsBody, errors: [404] },
  ),
  admin('PUT', '/background_job/san_mapping', 'Replace the SAN-mapping queue', putSanMapping, {
    success: 200,
    successBody: queueReplacedBody,
    requestSchema: sanMappingSchema,
  }),
  admin(
    'GET',
    '/ssl_certificate/retry_list',
    'Read the certificate retry list',
    listQueue('retry_list', (item) => ({ validate_service: true, ...item })),
    { success: 200, successBody: queueItemsBody, errors: [404] },
  ),
  admin('PUT', '/ssl_certificate/retry_list', 'Replace the certificate retry list', putRetryList, {
    success: 200,
    successBody: queueReplacedBody,
    requestSchema: retryListSchema,
  }),
  admin(
    'POST',
    '/ssl_certificate/retry_list',
    'Re-run the certificates of the retry list',
    runRetryList,
    { success: 202, successBody: retryRunBody, errors: [404] },
  ),
  admin(
    'GET',
    '/ssl_certificate/config/:name',
    'A SAN certificate configuration, or the hostname limit',
    getSanConfig,
    { success: 200, successBody: certificateConfigBody },
  ),
  admin(
    'POST',
    '/ssl_certificate/config/:name',
    'Change a SAN certificate configuration, or the hostname limit',
    postSanConfig,
    {
      success: 200,
      successBody: certificateConfigBody,
      requestSchema: sanConfigSchema,
      responses: { 202: { description: 'The SAN hostname limit is stored' } },
    },
  ),
  admin(
    'GET',
    '/ssl_certificate/sni_config/:cert_name',
    'An SNI certificate configuration',
    getSniConfig,
    { success: 200, successBody: certificateConfigBody },
  ),
  admin(
    'POST',
    '/ssl_certificate/sni_config/:cert_name',
    'Change an SNI certificate configuration',
    postSniConfig,
    { success: 200, successBody: certificateConfigBody, requestSchema: sniConfigSchema },
  ),
];
