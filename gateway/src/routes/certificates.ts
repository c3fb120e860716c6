/**
 * SSL certificate routes (docs/behaviour.md §7.2–7.4, §10.7–10.8; D-11 and D-14) over the
 * certificates service. Managed certificates (`san`, `sni`) are issued asynchronously
 * (202); `custom` ones carry `certificate` (PEM chain, leaf first) and `private_key`, are
 * validated before the 202, and their key is never returned.
 */
import {
  CERTIFICATE_STATUSES,
  invalid,
  isPoppyError,
  parseJsonText,
  truncateEcho,
  validateCertificateDomain,
  validateDomainParam,
  validateProjectId,
} from '@poppy/domain';
import { NotConfiguredError } from '../http-errors';
import type { certificatesV1 } from '@poppy/contracts';
import { certificateBody, certificateDomainsBody, errorBody } from '../response-schemas';
import type { CertificatesClient, RouteContext, RouteDef, RouteReply } from '../route-table';

const CERT_TYPES = ['san', 'sni', 'custom'];

const createSchema = {
  type: 'object',
  properties: {
    flavor_id: { type: 'string', minLength: 1, maxLength: 256 },
    cert_type: { enum: CERT_TYPES },
    domain_name: { type: 'string', minLength: 3, maxLength: 253 },
    project_id: { type: 'string' },
    certificate: { type: 'string', description: 'custom only: PEM chain, leaf first' },
    private_key: { type: 'string', description: 'custom only: PEM private key of the leaf' },
  },
  required: ['flavor_id', 'cert_type', 'domain_name', 'project_id'],
  additionalProperties: false,
};

const statusPatchSchema = {
  type: 'array',
  minItems: 1,
  maxItems: 1,
  items: {
    type: 'object',
    properties: {
      op: { enum: ['replace'] },
      path: { enum: ['status'] },
      value: { enum: CERTIFICATE_STATUSES },
    },
    required: ['op', 'path', 'value'],
    additionalProperties: false,
  },
};

/** Also in the OpenAPI document: the 503 of a deployment without a certificates service. */
export const CERTIFICATES_NOT_CONFIGURED_MESSAGE =
  'SSL certificates are not available: no certificates service is configured (set POPPY_CERTIFICATES_ADDRESS on the gateway).';

function client(ctx: RouteContext): CertificatesClient {
  if (!ctx.deps.certificates) throw new NotConfiguredError(CERTIFICATES_NOT_CONFIGURED_MESSAGE);
  return ctx.deps.certificates;
}

/** A 4xx from below gets the route's prefix (docs/behaviour.md §7.2 / §7.4 messages); others pass. */
async function prefixed<T>(prefix: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    if (isPoppyError(e) && e.kind === 'invalid')
      throw invalid(`${prefix} Reason: ${String(e.message)}`);
    throw e;
  }
}

interface CreateBody {
  flavor_id: string;
  cert_type: string;
  domain_name: string;
  project_id: string;
  certificate?: string;
  private_key?: string;
}

function parseCreate(raw: unknown): CreateBody {
  const problems: string[] = [];
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw invalid('The body must be a JSON object');
  const b = raw as Record<string, unknown>;
  const allowed = Object.keys(createSchema.properties);
  for (const key of Object.keys(b))
    if (!allowed.includes(key))
      problems.push(
        `Additional properties are not allowed ('${truncateEcho(key, 64)}' was unexpected)`,
      );
  for (const key of createSchema.required)
    if (b[key] === undefined) problems.push(`'${key}' is a required property`);
  for (const key of allowed)
    if (b[key] !== undefined && typeof b[key] !== 'string')
      problems.push(`'${key}' must be a string`);
  if (problems.length === 0) {
    if (!CERT_TYPES.includes(b.cert_type as string))
      problems.push(
        `cert_type '${truncateEcho(String(b.cert_type), 64)}' is not one of ${CERT_TYPES.join(', ')}`,
      );
    const flavor = b.flavor_id as string;
    if (flavor.length < 1 || flavor.length > 256)
      problems.push('flavor_id must be 1 to 256 characters long');
    const domain = b.domain_name as string;
    if (domain.length < 3 || domain.length > 253)
      problems.push('domain_name must be 3 to 253 characters long');
    const custom = b.cert_type === 'custom';
    if (custom && (b.certificate === undefined || b.private_key === undefined)) {
      problems.push(
        'cert_type custom needs "certificate" (PEM chain, leaf first) and "private_key" (PEM)',
      );
    }
    if (!custom && (b.certificate !== undefined || b.private_key !== undefined)) {
      problems.push('"certificate" and "private_key" are accepted only with cert_type custom');
    }
  }
  // At most 10 problems: a body of thousands of unknown keys gets a short answer.
  if (problems.length > 0) throw invalid(problems.slice(0, 10).join('; '));
  validateProjectId(b.project_id as string);
  return b as unknown as CreateBody;
}

/** `POST /v1.0/ssl_certificate` (docs/behaviour.md §7.2). */
async function createCertificate(ctx: RouteContext): Promise<RouteReply> {
  const body = parseCreate(parseJsonText(ctx.body));
  // Everything the request itself can get wrong is answered before the certificates
  // service is needed: a bad request is a 400 whatever runs (docs/api-hardening.md).
  await prefixed('Provisioning ssl certificate failed.', async () => {
    validateCertificateDomain(body.domain_name);
    try {
      await ctx.deps.catalog.getFlavor({ flavor_id: body.flavor_id });
    } catch (e) {
      if (isPoppyError(e) && e.kind === 'not_found')
        throw invalid(`Could not find a flavor with the id '${truncateEcho(body.flavor_id)}'`);
      throw e;
    }
  });
  const certificates = client(ctx);
  await prefixed('Provisioning ssl certificate failed.', async () => {
    await certificates.createCertificate({
      domain_name: body.domain_name,
      cert_type: body.cert_type,
      flavor_id: body.flavor_id,
      project_id: body.project_id,
      certificate_pem: body.certificate ?? '',
      private_key_pem: body.private_key ?? '',
    });
  });
  return { status: 202 };
}

/** The docs/behaviour.md §7.3 shape (docs/behaviour.md D-14: an object), plus when the certificate expires. */
export function renderCertificate(c: certificatesV1.Certificate): Record<string, unknown> {
  const out: Record<string, unknown> = {
    flavor_id: c.flavor_id,
    domain_name: c.domain_name,
    cert_type: c.cert_type,
    cert_details: c.cert_details,
    status: c.status,
    project_id: c.project_id,
  };
  if (c.not_after) out.not_after = c.not_after;
  if (c.error_message) out.error_message = c.error_message;
  return out;
}

/** `GET /v1.0/ssl_certificate/{domain_name}` (docs/behaviour.md §7.3; no ownership check, as the original). */
async function getCertificate(ctx: RouteContext): Promise<RouteReply> {
  const domain = validateDomainParam(ctx.params.domain_name);
  const { certificate } = await client(ctx).getCertificate({ domain_name: domain });
  return { status: 200, body: renderCertificate(certificate!) };
}

/** `DELETE /v1.0/ssl_certificate/{domain_name}?cert_type=` (docs/behaviour.md §7.4; D-11: unknown → 404). */
async function deleteCertificate(ctx: RouteContext): Promise<RouteReply> {
  const domain = validateDomainParam(ctx.params.domain_name);
  const certType = ctx.query.cert_type ?? 'san';
  const certificates = client(ctx);
  await prefixed('Delete ssl certificate failed.', () =>
    certificates.deleteCertificate({
      domain_name: domain,
      cert_type: certType,
      project_id: ctx.projectId,
    }),
  );
  return { status: 202 };
}

/** `GET /v1.0/admin/certificates?status=` (docs/behaviour.md §10.7). */
async function listByStatus(ctx: RouteContext): Promise<RouteReply> {
  const status = ctx.query.status ?? '';
  if (!(CERTIFICATE_STATUSES as readonly string[]).includes(status)) {
    throw invalid(`Unknown status: ${status}; expected one of ${CERTIFICATE_STATUSES.join(', ')}`);
  }
  const { domain_names } = await client(ctx).listCertificatesByStatus({ status });
  return { status: 200, body: domain_names.map((domain_name) => ({ domain_name })) };
}

/** `PATCH /v1.0/admin/certificates/{domain_name}` (docs/behaviour.md §10.8). */
async function patchStatus(ctx: RouteContext): Promise<RouteReply> {
  const domain = validateDomainParam(ctx.params.domain_name);
  const body = parseJsonText(ctx.body);
  const op =
    Array.isArray(body) && body.length === 1
      ? (body[0] as Record<string, unknown> | null)
      : undefined;
  const keys = op && typeof op === 'object' ? Object.keys(op).sort().join() : '';
  if (
    !op ||
    keys !== 'op,path,value' ||
    op.op !== 'replace' ||
    op.path !== 'status' ||
    !(CERTIFICATE_STATUSES as readonly string[]).includes(op.value as string)
  ) {
    throw invalid(
      `The body must be [{"op": "replace", "path": "status", "value": ${CERTIFICATE_STATUSES.map((s) => `"${s}"`).join(' | ')}}]`,
    );
  }
  await client(ctx).updateCertificateStatus({ domain_name: domain, status: op.value as string });
  return { status: 204 };
}

export const certificateRoutes: RouteDef[] = [
  {
    method: 'POST',
    url: '/v1.0/ssl_certificate',
    project: true,
    summary: 'Create an SSL certificate (managed san/sni through ACME, or a custom upload)',
    handler: createCertificate,
    openapi: {
      requestSchema: createSchema,
      success: 202,
      tags: ['ssl_certificate'],
      errors: [404],
      responses: {
        503: {
          description: `No certificates service is configured (message: "${CERTIFICATES_NOT_CONFIGURED_MESSAGE}"), or it is down; see Retry-After`,
          schema: errorBody,
        },
      },
    },
  },
  {
    method: 'GET',
    url: '/v1.0/ssl_certificate/:domain_name',
    project: true,
    summary: "Get a domain's SSL certificate",
    handler: getCertificate,
    openapi: {
      success: 200,
      successBody: certificateBody,
      tags: ['ssl_certificate'],
      errors: [404],
    },
  },
  {
    method: 'DELETE',
    url: '/v1.0/ssl_certificate/:domain_name',
    project: true,
    summary: "Delete a domain's SSL certificate",
    handler: deleteCertificate,
    openapi: { success: 202, tags: ['ssl_certificate'], errors: [404] },
  },
  {
    method: 'GET',
    url: '/v1.0/admin/certificates',
    project: true,
    summary: 'List certificate domains by status',
    handler: listByStatus,
    openapi: { success: 200, successBody: certificateDomainsBody, tags: ['admin'] },
  },
  {
    method: 'PATCH',
    url: '/v1.0/admin/certificates/:domain_name',
    project: true,
    summary: "Set a certificate's status",
    handler: patchStatus,
    openapi: { requestSchema: statusPatchSchema, success: 204, tags: ['admin'], errors: [404] },
  },
];
