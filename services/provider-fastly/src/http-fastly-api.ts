/**
 * FastlyApi over Fastly API v1 with fetch and typed requests (no decisions here). Why not
 * the `fastly` npm client: it keeps its token on a process-wide `ApiClient.instance` and
 * answers without the response headers unless each call uses its `…WithHttpInfo` twin,
 * while every call here must pass the account's RateBudget and report
 * `Fastly-RateLimit-Remaining`/`-Reset` (services/provider-fastly/README.md).
 *
 * Encodings as the vendor reference says: form bodies for service/version/config writes
 * (booleans 0/1), no body for version actions and purges, JSON:API for `/tls/*`.
 */
import type { RateBudget } from '@poppy/provider-kit';
import {
  CONFIG_KINDS,
  type ConfigChange,
  type ConfigKind,
  type ConfigObject,
  type FastlyApi,
  type FastlyService,
  type TlsObject,
  type ValidationResult,
  type VersionConfig,
} from './fastly-api';
import { formValue } from './service-config';
import { FastlyHttpError, vendorMessageOf } from './vendor-errors';

export interface HttpFastlyApiOptions {
  /** e.g. https://api.fastly.com, or a fake on loopback. */
  baseUrl: string;
  token: string;
  budget: RateBudget;
  timeoutMs: number;
}

/** The `details` array of each kind. */
const DETAILS_KEY: Record<ConfigKind, string> = {
  condition: 'conditions',
  domain: 'domains',
  backend: 'backends',
  cache_settings: 'cache_settings',
  header: 'headers',
  snippet: 'snippets',
};

interface RawService {
  id: string;
  name: string;
  comment?: string;
  created_at?: string;
  versions?: Array<{ number: number; active: boolean; locked: boolean }>;
}

interface JsonApiResource {
  id: string;
  attributes?: Record<string, unknown>;
  relationships?: Record<string, { data?: { id: string } | Array<{ id: string }> | null }>;
}

type Body =
  | { form: Record<string, string | number | boolean> }
  | { json: unknown; contentType?: string }
  | undefined;

const enc = encodeURIComponent;

function toService(raw: RawService): FastlyService {
  return {
    id: raw.id,
    name: raw.name,
    comment: raw.comment ?? '',
    createdAtMs: raw.created_at ? Date.parse(raw.created_at) : 0,
    versions: (raw.versions ?? []).map((v) => ({
      number: Number(v.number),
      active: Boolean(v.active),
      locked: Boolean(v.locked),
    })),
  };
}

function relatedIds(resource: JsonApiResource, key: string): string[] {
  const data = resource.relationships?.[key]?.data;
  if (!data) return [];
  return Array.isArray(data) ? data.map((d) => d.id) : [data.id];
}

function toTls(resource: JsonApiResource): TlsObject {
  const a = resource.attributes ?? {};
  return {
    id: resource.id,
    name: typeof a.name === 'string' ? a.name : undefined,
    state: typeof a.state === 'string' ? a.state : undefined,
    domains: [...relatedIds(resource, 'tls_domains'), ...relatedIds(resource, 'tls_domain')],
    certificateId: relatedIds(resource, 'tls_certificate')[0],
  };
}

export class HttpFastlyApi implements FastlyApi {
  constructor(private readonly options: HttpFastlyApiOptions) {}

  /** One request through the budget; 404 → undefined; any other failure thrown. */
  private async call<T>(method: string, path: string, body?: Body): Promise<T | undefined> {
    const { budget } = this.options;
    await budget.acquire();
    const headers: Record<string, string> = {
      'Fastly-Key': this.options.token,
      Accept: path.startsWith('/tls/') ? 'application/vnd.api+json' : 'application/json',
    };
    let payload: string | undefined;
    if (body && 'form' in body) {
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
      payload = new URLSearchParams(
        Object.entries(body.form).map(([k, v]): [string, string] => [k, formValue(v)]),
      ).toString();
    } else if (body) {
      headers['Content-Type'] = body.contentType ?? 'application/json';
      payload = JSON.stringify(body.json);
    }
    return this.send<T>(method, path, headers, payload);
  }

  private async send<T>(
    method: string,
    path: string,
    headers: Record<string, string>,
    payload: string | undefined,
  ): Promise<T | undefined> {
    const { budget } = this.options;
    const response = await fetch(`${this.options.baseUrl}${path}`, {
      method,
      headers,
      body: payload,
      signal: AbortSignal.timeout(this.options.timeoutMs),
    });
    const remaining = response.headers.get('fastly-ratelimit-remaining');
    const reset = response.headers.get('fastly-ratelimit-reset');
    const resetAtMs = reset !== null && /^\d+$/.test(reset) ? Number(reset) * 1000 : undefined;
    if (remaining !== null && resetAtMs !== undefined) budget.observe(Number(remaining), resetAtMs);
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = text;
    }
    if (response.ok) return parsed as T;
    if (response.status === 404) return undefined;
    let retryAfterMs: number | undefined;
    if (response.status === 429) {
      const until = resetAtMs ?? Date.now() + 1000;
      budget.pauseUntil(until);
      retryAfterMs = Math.max(0, until - Date.now());
    }
    throw new FastlyHttpError(
      response.status,
      vendorMessageOf(parsed, `HTTP ${response.status}`),
      method,
      path,
      retryAfterMs,
    );
  }

  /** A call whose 404 is not an answer the driver reasons about. */
  private async must<T>(method: string, path: string, body?: Body): Promise<T> {
    const result = await this.call<T>(method, path, body);
    if (result === undefined)
      throw new FastlyHttpError(404, `Record not found: ${path}`, method, path);
    return result;
  }

  async ping(): Promise<void> {
    await this.must('GET', '/service?page=1&per_page=1');
  }

  async findServiceByName(name: string): Promise<FastlyService | undefined> {
    const raw = await this.call<RawService>('GET', `/service/search?name=${enc(name)}`);
    return raw ? toService(raw) : undefined;
  }

  async getService(id: string): Promise<FastlyService | undefined> {
    const raw = await this.call<RawService>('GET', `/service/${enc(id)}`);
    return raw ? toService(raw) : undefined;
  }

  async listServices(page: number, perPage: number): Promise<FastlyService[]> {
    const raw = await this.must<RawService[]>(
      'GET',
      `/service?page=${page}&per_page=${perPage}&sort=created&direction=ascend`,
    );
    return raw.map(toService);
  }

  async createService(name: string, comment: string): Promise<FastlyService> {
    return toService(
      await this.must<RawService>('POST', '/service', { form: { name, comment, type: 'vcl' } }),
    );
  }

  async deleteService(id: string): Promise<void> {
    await this.call('DELETE', `/service/${enc(id)}`);
  }

  async readVersion(serviceId: string, version: number): Promise<VersionConfig> {
    const details = await this.must<{ version?: Record<string, unknown> }>(
      'GET',
      `/service/${enc(serviceId)}/details?version=${version}`,
    );
    const config = {} as VersionConfig;
    for (const kind of CONFIG_KINDS) {
      const items = details.version?.[DETAILS_KEY[kind]];
      config[kind] = Array.isArray(items) ? (items as ConfigObject[]) : [];
    }
    return config;
  }

  async cloneVersion(serviceId: string, version: number): Promise<number> {
    const cloned = await this.must<{ number: number }>(
      'PUT',
      `/service/${enc(serviceId)}/version/${version}/clone`,
    );
    return Number(cloned.number);
  }

  async applyChange(serviceId: string, version: number, change: ConfigChange): Promise<void> {
    const base = `/service/${enc(serviceId)}/version/${version}/${change.kind}`;
    if (change.op === 'create') await this.must('POST', base, { form: change.object });
    else if (change.op === 'update')
      await this.must('PUT', `${base}/${enc(change.object.name)}`, { form: change.object });
    else await this.call('DELETE', `${base}/${enc(change.name)}`);
  }

  async validateVersion(serviceId: string, version: number): Promise<ValidationResult> {
    const result = await this.must<{ status: string; msg?: string | null }>(
      'GET',
      `/service/${enc(serviceId)}/version/${version}/validate`,
    );
    return { ok: result.status === 'ok', msg: result.msg ?? undefined };
  }

  async activateVersion(serviceId: string, version: number): Promise<void> {
    await this.must('PUT', `/service/${enc(serviceId)}/version/${version}/activate`);
  }

  async deactivateVersion(serviceId: string, version: number): Promise<void> {
    await this.must('PUT', `/service/${enc(serviceId)}/version/${version}/deactivate`);
  }

  private softHeader(soft: boolean): Record<string, string> {
    return soft ? { 'Fastly-Soft-Purge': '1' } : {};
  }

  private async purge(path: string, soft: boolean): Promise<void> {
    await this.options.budget.acquire();
    const result = await this.send(
      'POST',
      path,
      { 'Fastly-Key': this.options.token, Accept: 'application/json', ...this.softHeader(soft) },
      undefined,
    );
    if (result === undefined)
      throw new FastlyHttpError(404, `Record not found: ${path}`, 'POST', path);
  }

  purgeUrl(hostAndPath: string, soft: boolean): Promise<void> {
    const encoded = hostAndPath.split('/').map(enc).join('/');
    return this.purge(`/purge/${encoded}`, soft);
  }

  purgeAll(serviceId: string): Promise<void> {
    return this.purge(`/service/${enc(serviceId)}/purge_all`, false);
  }

  purgeKey(serviceId: string, key: string, soft: boolean): Promise<void> {
    return this.purge(`/service/${enc(serviceId)}/purge/${enc(key)}`, soft);
  }

  // --- TLS (JSON:API) ------------------------------------------------------------------

  private jsonApi(
    type: string,
    attributes: Record<string, unknown>,
    relationships?: unknown,
  ): Body {
    return {
      json: { data: { type, attributes, ...(relationships ? { relationships } : {}) } },
      contentType: 'application/vnd.api+json',
    };
  }

  private async list(path: string): Promise<TlsObject[]> {
    const all: TlsObject[] = [];
    for (let page = 1; ; page++) {
      const sep = path.includes('?') ? '&' : '?';
      const result = await this.must<{ data: JsonApiResource[]; meta?: { total_pages?: number } }>(
        'GET',
        `${path}${sep}page[number]=${page}&page[size]=100`,
      );
      all.push(...result.data.map(toTls));
      if (page >= (result.meta?.total_pages ?? 1)) return all;
    }
  }

  private async created(path: string, body: Body, method = 'POST'): Promise<TlsObject> {
    return toTls((await this.must<{ data: JsonApiResource }>(method, path, body)).data);
  }

  listPrivateKeys(): Promise<TlsObject[]> {
    return this.list('/tls/private_keys');
  }

  createPrivateKey(name: string, pem: string): Promise<TlsObject> {
    return this.created('/tls/private_keys', this.jsonApi('tls_private_key', { name, key: pem }));
  }

  async deletePrivateKey(id: string): Promise<void> {
    await this.call('DELETE', `/tls/private_keys/${enc(id)}`);
  }

  listCertificates(): Promise<TlsObject[]> {
    return this.list('/tls/certificates');
  }

  createCertificate(name: string, pem: string): Promise<TlsObject> {
    return this.created(
      '/tls/certificates',
      this.jsonApi('tls_certificate', { name, cert_blob: pem }),
    );
  }

  replaceCertificate(id: string, pem: string): Promise<TlsObject> {
    return this.created(
      `/tls/certificates/${enc(id)}`,
      this.jsonApi('tls_certificate', { cert_blob: pem }),
      'PATCH',
    );
  }

  async deleteCertificate(id: string): Promise<void> {
    await this.call('DELETE', `/tls/certificates/${enc(id)}`);
  }

  listActivations(domain: string): Promise<TlsObject[]> {
    return this.list(`/tls/activations?filter[tls_domain.id]=${enc(domain)}`);
  }

  createActivation(certificateId: string, domain: string): Promise<TlsObject> {
    return this.created(
      '/tls/activations',
      this.jsonApi(
        'tls_activation',
        {},
        {
          tls_certificate: { data: { type: 'tls_certificate', id: certificateId } },
          tls_domain: { data: { type: 'tls_domain', id: domain } },
        },
      ),
    );
  }

  async deleteActivation(id: string): Promise<void> {
    await this.call('DELETE', `/tls/activations/${enc(id)}`);
  }

  findSubscriptions(domain: string): Promise<TlsObject[]> {
    return this.list(`/tls/subscriptions?filter[tls_domains.id]=${enc(domain)}`);
  }

  createSubscription(domain: string, certificateAuthority: string): Promise<TlsObject> {
    return this.created(
      '/tls/subscriptions',
      this.jsonApi(
        'tls_subscription',
        { certificate_authority: certificateAuthority },
        {
          tls_domains: { data: [{ type: 'tls_domain', id: domain }] },
          common_name: { data: { type: 'tls_domain', id: domain } },
        },
      ),
    );
  }

  async deleteSubscription(id: string): Promise<void> {
    await this.call('DELETE', `/tls/subscriptions/${enc(id)}?force=true`);
  }
}
