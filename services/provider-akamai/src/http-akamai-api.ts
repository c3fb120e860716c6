/**
 * AkamaiApi over fetch: each request EdgeGrid-signed (edgegrid.ts) and sent only once the
 * account's RateBudget allows it; what Akamai says about its limit goes back to the budget
 * (`X-RateLimit-Remaining`, and on a 429 `X-RateLimit-Next` − `Date`). No decisions here.
 */
import type { RateBudget } from '@poppy/provider-kit';
import type {
  Activation,
  AkamaiApi,
  ChangeStatus,
  Enrollment,
  Network,
  PropertySummary,
  VersionRules,
} from './akamai-api';
import { signRequest, type EdgeGridCredentials } from './edgegrid';
import type { PropertyHostname, Rule } from './rule-tree';
import { AkamaiHttpError, retryAfterMsOf } from './vendor-errors';

export interface HttpAkamaiApiOptions {
  /** `https://akab-….luna.akamaiapis.net` (or the fake's `http://127.0.0.1:<port>`). */
  baseUrl: string;
  credentials: EdgeGridCredentials;
  contractId: string;
  groupId: string;
  productId: string;
  /** Dated rule format the trees are frozen to. */
  ruleFormat: string;
  notifyEmails: string[];
  /** Fast Purge network. */
  purgeNetwork: 'staging' | 'production';
  /** Account switch key of a partner account, appended to every request before signing. */
  accountSwitchKey?: string;
  budget: RateBudget;
  timeoutMs: number;
  /** Contact fields a CPS enrollment requires. */
  certificateContact: { organization: string; email: string; country: string };
}

type Json = Record<string, unknown>;

interface Sent {
  status: number;
  body: Json;
  headers: Headers;
}

const CPS = {
  enrollments: 'application/vnd.akamai.cps.enrollments.v11+json',
  enrollment: 'application/vnd.akamai.cps.enrollment.v11+json',
  status: 'application/vnd.akamai.cps.enrollment-status.v1+json',
  change: 'application/vnd.akamai.cps.change.v2+json',
  ack: 'application/vnd.akamai.cps.acknowledgement.v1+json',
  changeId: 'application/vnd.akamai.cps.change-id.v1+json',
};

/** The id in a link such as `/papi/v1/properties/prp_1?contractId=…` (last segment before `?`). */
export function idOfLink(link: unknown): string {
  const text = typeof link === 'string' ? link : '';
  return text.split('?')[0].split('/').filter(Boolean).pop() ?? '';
}

export class HttpAkamaiApi implements AkamaiApi {
  constructor(private readonly options: HttpAkamaiApiOptions) {}

  private get scope(): string {
    return `contractId=${encodeURIComponent(this.options.contractId)}&groupId=${encodeURIComponent(this.options.groupId)}`;
  }

  /** One signed request through the budget. `notFound` answers undefined for a 404. */
  private async send(
    method: string,
    path: string,
    init: { body?: unknown; headers?: Record<string, string>; notFound?: boolean } = {},
  ): Promise<Sent | undefined> {
    const o = this.options;
    let target = path;
    if (o.accountSwitchKey)
      target += `${target.includes('?') ? '&' : '?'}accountSwitchKey=${encodeURIComponent(o.accountSwitchKey)}`;
    const url = `${o.baseUrl.replace(/\/+$/, '')}${target}`;
    const body = init.body === undefined ? undefined : JSON.stringify(init.body);
    await o.budget.acquire();
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json',
      'papi-use-prefixes': 'true',
      ...init.headers,
      authorization: signRequest({ method, url, body, credentials: o.credentials }),
    };
    const res = await fetch(url, {
      method,
      headers,
      body,
      signal: AbortSignal.timeout(o.timeoutMs),
    });
    const text = await res.text();
    let parsed: Json = {};
    try {
      parsed = text ? (JSON.parse(text) as Json) : {};
    } catch {
      parsed = { detail: text.slice(0, 500) };
    }
    const remaining = Number(res.headers.get('x-ratelimit-remaining') ?? NaN);
    const errHeaders = {
      retryAfter: res.headers.get('retry-after') ?? undefined,
      rateLimitNext:
        res.headers.get('x-ratelimit-next') ??
        res.headers.get('akamai-ratelimit-next') ??
        undefined,
      date: res.headers.get('date') ?? undefined,
    };
    if (res.status === 429) {
      o.budget.pauseUntil(Date.now() + (retryAfterMsOf(errHeaders) ?? 1000));
    } else if (Number.isFinite(remaining)) {
      o.budget.observe(remaining, Date.now() + 1000);
    }
    if (res.status === 404 && init.notFound) return undefined;
    if (res.status >= 400)
      throw new AkamaiHttpError(res.status, parsed, errHeaders, `${method} ${path}`);
    return { status: res.status, body: parsed, headers: res.headers };
  }

  private async must(
    method: string,
    path: string,
    init: { body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<Sent> {
    return (await this.send(method, path, init))!;
  }

  private static summary(p: Json): PropertySummary {
    return {
      propertyId: String(p.propertyId),
      propertyName: String(p.propertyName),
      latestVersion: Number(p.latestVersion),
      stagingVersion: typeof p.stagingVersion === 'number' ? p.stagingVersion : null,
      productionVersion: typeof p.productionVersion === 'number' ? p.productionVersion : null,
    };
  }

  async listProperties(): Promise<PropertySummary[]> {
    const { body } = await this.must('GET', `/papi/v1/properties?${this.scope}`);
    const items = ((body.properties as Json | undefined)?.items as Json[] | undefined) ?? [];
    return items.map(HttpAkamaiApi.summary);
  }

  async getProperty(propertyId: string): Promise<PropertySummary | undefined> {
    const sent = await this.send('GET', `/papi/v1/properties/${propertyId}?${this.scope}`, {
      notFound: true,
    });
    const item = ((sent?.body.properties as Json | undefined)?.items as Json[] | undefined)?.[0];
    return item ? HttpAkamaiApi.summary(item) : undefined;
  }

  async createProperty(name: string): Promise<string> {
    const { body } = await this.must('POST', `/papi/v1/properties?${this.scope}`, {
      body: {
        productId: this.options.productId,
        propertyName: name,
        ruleFormat: this.options.ruleFormat,
      },
    });
    return idOfLink(body.propertyLink);
  }

  async deleteProperty(propertyId: string): Promise<void> {
    await this.send('DELETE', `/papi/v1/properties/${propertyId}?${this.scope}`, {
      notFound: true,
    });
  }

  async createVersion(propertyId: string, fromVersion: number, fromEtag?: string): Promise<number> {
    const { body } = await this.must(
      'POST',
      `/papi/v1/properties/${propertyId}/versions?${this.scope}`,
      {
        body: {
          createFromVersion: fromVersion,
          ...(fromEtag ? { createFromVersionEtag: fromEtag } : {}),
        },
      },
    );
    return Number(idOfLink(body.versionLink));
  }

  async getVersionDate(propertyId: string, version: number): Promise<string | undefined> {
    const sent = await this.send(
      'GET',
      `/papi/v1/properties/${propertyId}/versions/${version}?${this.scope}`,
      { notFound: true },
    );
    const item = ((sent?.body.versions as Json | undefined)?.items as Json[] | undefined)?.[0];
    return typeof item?.updatedDate === 'string' ? item.updatedDate : undefined;
  }

  private static rules(body: Json): VersionRules {
    const errors = Array.isArray(body.errors) ? (body.errors as Json[]) : [];
    return {
      rules: body.rules as Rule,
      ...(typeof body.comments === 'string' ? { comments: body.comments } : {}),
      etag: String(body.etag ?? ''),
      errors: errors.map((e) => ({
        detail: String(e.detail ?? e.title ?? e.type ?? 'invalid'),
        ...(typeof e.errorLocation === 'string' ? { errorLocation: e.errorLocation } : {}),
      })),
    };
  }

  async getRules(propertyId: string, version: number): Promise<VersionRules> {
    const { body } = await this.must(
      'GET',
      `/papi/v1/properties/${propertyId}/versions/${version}/rules?${this.scope}&validateRules=false`,
    );
    return HttpAkamaiApi.rules(body);
  }

  async putRules(
    propertyId: string,
    version: number,
    rules: Rule,
    comments: string,
    etag: string,
  ): Promise<VersionRules> {
    const { body } = await this.must(
      'PUT',
      `/papi/v1/properties/${propertyId}/versions/${version}/rules?${this.scope}`,
      {
        body: { rules, comments },
        headers: {
          'content-type': `application/vnd.akamai.papirules.${this.options.ruleFormat}+json`,
          'if-match': `"${etag}"`,
        },
      },
    );
    return HttpAkamaiApi.rules(body);
  }

  async putHostnames(
    propertyId: string,
    version: number,
    hostnames: PropertyHostname[],
    etag: string,
  ): Promise<string> {
    const { body } = await this.must(
      'PUT',
      `/papi/v1/properties/${propertyId}/versions/${version}/hostnames?${this.scope}`,
      {
        body: hostnames,
        headers: { 'if-match': `"${etag}"` },
      },
    );
    return String(body.etag ?? '');
  }

  async getHostnames(propertyId: string, version: number): Promise<PropertyHostname[]> {
    const { body } = await this.must(
      'GET',
      `/papi/v1/properties/${propertyId}/versions/${version}/hostnames?${this.scope}`,
    );
    return (
      ((body.hostnames as Json | undefined)?.items as PropertyHostname[] | undefined) ?? []
    ).map((h) => ({
      cnameType: 'EDGE_HOSTNAME',
      cnameFrom: h.cnameFrom,
      cnameTo: h.cnameTo,
      certProvisioningType: 'CPS_MANAGED',
    }));
  }

  async listActivations(propertyId: string): Promise<Activation[]> {
    const sent = await this.send(
      'GET',
      `/papi/v1/properties/${propertyId}/activations?${this.scope}`,
      { notFound: true },
    );
    const items = ((sent?.body.activations as Json | undefined)?.items as Json[] | undefined) ?? [];
    return items.map((a) => {
      const cause = a.failureCause as Json | undefined;
      const failure = cause
        ? typeof cause.message === 'string'
          ? cause.message
          : JSON.stringify(cause)
        : undefined;
      return {
        activationId: String(a.activationId),
        propertyVersion: Number(a.propertyVersion),
        network: a.network as Network,
        activationType: a.activationType === 'DEACTIVATE' ? 'DEACTIVATE' : 'ACTIVATE',
        status: String(a.status),
        submitDate: String(a.submitDate ?? ''),
        ...(failure !== undefined ? { failureMessage: failure } : {}),
      };
    });
  }

  async activate(
    propertyId: string,
    version: number,
    network: Network,
    type: 'ACTIVATE' | 'DEACTIVATE',
  ): Promise<string> {
    const { body } = await this.must(
      'POST',
      `/papi/v1/properties/${propertyId}/activations?${this.scope}`,
      {
        body: {
          propertyVersion: version,
          network,
          activationType: type,
          notifyEmails: this.options.notifyEmails,
          acknowledgeAllWarnings: true,
          note: 'Poppy',
        },
      },
    );
    return idOfLink(body.activationLink);
  }

  async cancelActivation(propertyId: string, activationId: string): Promise<void> {
    await this.send(
      'DELETE',
      `/papi/v1/properties/${propertyId}/activations/${activationId}?${this.scope}`,
      { notFound: true },
    );
  }

  async purge(
    action: 'invalidate' | 'delete',
    type: 'url' | 'tag',
    objects: string[],
  ): Promise<void> {
    await this.must('POST', `/ccu/v3/${action}/${type}/${this.options.purgeNetwork}`, {
      body: { objects },
    });
  }

  async listEnrollments(): Promise<Enrollment[]> {
    const { body } = await this.must(
      'GET',
      `/cps/v2/enrollments?contractId=${encodeURIComponent(this.options.contractId)}`,
      {
        headers: { accept: CPS.enrollments },
      },
    );
    return ((body.enrollments as Json[] | undefined) ?? []).map((e) => {
      const csr = (e.csr as Json | undefined) ?? {};
      const pending = (e.pendingChanges as unknown[] | undefined)?.[0];
      const location =
        typeof pending === 'string' ? pending : (pending as Json | undefined)?.location;
      const changeId = location ? Number(idOfLink(location)) : NaN;
      return {
        id: Number(e.id ?? idOfLink(e.location)),
        cn: String(csr.cn ?? ''),
        sans: Array.isArray(csr.sans) ? (csr.sans as string[]) : [],
        ...(Number.isFinite(changeId) ? { pendingChangeId: changeId } : {}),
      };
    });
  }

  async createEnrollment(
    domain: string,
    sniOnly: boolean,
  ): Promise<{ enrollmentId: number; changeId: number }> {
    const c = this.options.certificateContact;
    const contact = {
      firstName: 'Poppy',
      lastName: 'Operator',
      email: c.email,
      phone: '+1-000-000-0000',
    };
    const { body } = await this.must(
      'POST',
      `/cps/v2/enrollments?contractId=${encodeURIComponent(this.options.contractId)}`,
      {
        headers: { 'content-type': CPS.enrollment, accept: CPS.status },
        body: {
          ra: 'lets-encrypt',
          validationType: 'dv',
          certificateType: 'san',
          changeManagement: false,
          enableMultiStackedCertificates: false,
          csr: { cn: domain, sans: [domain], c: c.country, o: c.organization },
          networkConfiguration: {
            geography: 'core',
            secureNetwork: 'enhanced-tls',
            sniOnly,
            quicEnabled: false,
          },
          org: { name: c.organization, country: c.country },
          adminContact: contact,
          techContact: contact,
        },
      },
    );
    const changes = (body.changes as string[] | undefined) ?? [];
    return {
      enrollmentId: Number(idOfLink(body.enrollment)),
      changeId: Number(idOfLink(changes[0])),
    };
  }

  async getChange(enrollmentId: number, changeId: number): Promise<ChangeStatus | undefined> {
    const sent = await this.send('GET', `/cps/v2/enrollments/${enrollmentId}/changes/${changeId}`, {
      headers: { accept: CPS.change },
      notFound: true,
    });
    const info = sent?.body.statusInfo as Json | undefined;
    if (!info) return undefined;
    const error = info.error as Json | null | undefined;
    return {
      state: String(info.state),
      status: String(info.status),
      ...(error ? { error: String(error.description ?? error.code ?? 'error') } : {}),
    };
  }

  async acknowledgeDomainValidation(enrollmentId: number, changeId: number): Promise<void> {
    await this.must(
      'POST',
      `/cps/v2/enrollments/${enrollmentId}/changes/${changeId}/input/update/lets-encrypt-challenges-completed`,
      {
        headers: { 'content-type': CPS.ack, accept: CPS.changeId },
        body: { acknowledgement: 'acknowledge' },
      },
    );
  }

  async deleteEnrollment(enrollmentId: number): Promise<void> {
    await this.send(
      'DELETE',
      `/cps/v2/enrollments/${enrollmentId}?allow-cancel-pending-changes=true`,
      {
        headers: { accept: CPS.status },
        notFound: true,
      },
    );
  }

  async ping(): Promise<void> {
    await this.must('GET', `/papi/v1/properties?${this.scope}`);
  }
}
