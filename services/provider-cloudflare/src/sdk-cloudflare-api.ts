/**
 * CloudflareApi over the official `cloudflare` SDK (v7): one SDK call per method, answers
 * read into the interface's shapes, nothing decided. `createCloudflareClient` points the
 * SDK at the configured base URL (the fake in tests) and hands it a fetch that takes every
 * request, retries included, through the account's RateBudget (budgetedFetch).
 */
import Cloudflare, { NotFoundError, ConflictError } from 'cloudflare';
import type { RuleCreateParams, RuleEditParams } from 'cloudflare/resources/rulesets/rules';
import type { PhaseUpdateParams } from 'cloudflare/resources/rulesets/phases/phases';
import type { RateBudget } from '@poppy/provider-kit';
import type {
  CloudflareApi,
  CustomHostname,
  HostnameSsl,
  Phase,
  PhaseRuleset,
  PurgeRequest,
  Rule,
  RuleSpec,
} from './cloudflare-api';
import { retryAfterMsOf } from './vendor-errors';

export interface CloudflareClientSettings {
  apiToken: string;
  baseUrl: string;
  /** SDK retries of 429/5xx/409/connection errors (each one through the budget). */
  maxRetries: number;
  timeoutMs: number;
}

type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/**
 * `budget.acquire()` before each request; after it, what Cloudflare said of its limit:
 * `Ratelimit: "default";r=<remaining>;t=<seconds to reset>` (or the older
 * `x-ratelimit-remaining` / `x-ratelimit-reset`), and on a 429 a pause until `Retry-After`.
 */
export function budgetedFetch(budget: RateBudget, inner: Fetch = fetch, now = Date.now): Fetch {
  return async (input, init) => {
    await budget.acquire();
    const response = await inner(input, init);
    const t = now();
    const ratelimit = response.headers.get('ratelimit');
    const parsed = ratelimit ? /r=(\d+)\s*;\s*t=(\d+)/.exec(ratelimit) : null;
    if (parsed) budget.observe(Number(parsed[1]), t + Number(parsed[2]) * 1000);
    else {
      const remaining = response.headers.get('x-ratelimit-remaining');
      const reset = Date.parse(response.headers.get('x-ratelimit-reset') ?? '');
      if (remaining !== null && !Number.isNaN(reset)) budget.observe(Number(remaining), reset);
    }
    if (response.status === 429) {
      const wait = retryAfterMsOf(response.headers, t);
      budget.pauseUntil(t + (wait ?? 1000));
    }
    return response;
  };
}

export function createCloudflareClient(
  settings: CloudflareClientSettings,
  budget: RateBudget,
): Cloudflare {
  return new Cloudflare({
    apiToken: settings.apiToken,
    // Only the token scheme: the SDK sends every scheme it finds in the environment.
    apiKey: null,
    apiEmail: null,
    userServiceKey: null,
    baseURL: settings.baseUrl,
    maxRetries: settings.maxRetries,
    timeout: settings.timeoutMs,
    fetch: budgetedFetch(budget),
  });
}

interface SdkHostname {
  id?: string;
  hostname?: string;
  status?: string;
  created_at?: string;
  verification_errors?: string[];
  custom_metadata?: Record<string, string>;
  ssl?: {
    status?: string;
    custom_certificate?: string;
    validation_errors?: Array<{ message?: string }>;
  };
}

function hostnameOf(h: SdkHostname): CustomHostname {
  return {
    id: h.id ?? '',
    hostname: h.hostname ?? '',
    status: h.status ?? 'pending',
    sslStatus: h.ssl?.status ?? 'initializing',
    errors: [
      ...(h.verification_errors ?? []),
      ...(h.ssl?.validation_errors ?? []).map((e) => e.message ?? ''),
    ].filter(Boolean),
    metadata: h.custom_metadata ?? {},
    createdAtMs: h.created_at ? Date.parse(h.created_at) : 0,
    customCertificate: h.ssl?.custom_certificate !== undefined,
  };
}

interface SdkRuleset {
  id: string;
  version: string;
  rules?: Array<{
    id?: string;
    ref?: string;
    description?: string;
    expression?: string;
    action?: string;
    action_parameters?: unknown;
    enabled?: boolean;
  }>;
}

function rulesetOf(r: SdkRuleset): PhaseRuleset {
  return {
    id: r.id,
    version: r.version,
    rules: (r.rules ?? []).map((rule): Rule => ({
      id: rule.id ?? '',
      ref: rule.ref ?? '',
      description: rule.description ?? '',
      expression: rule.expression ?? '',
      action: rule.action ?? '',
      ...(rule.action_parameters === undefined
        ? {}
        : { action_parameters: rule.action_parameters as Record<string, unknown> }),
      enabled: rule.enabled ?? true,
    })),
  };
}

export class SdkCloudflareApi implements CloudflareApi {
  constructor(
    private readonly client: Cloudflare,
    private readonly zoneId: string,
  ) {}

  async ping(): Promise<void> {
    await this.client.customHostnames.list({ zone_id: this.zoneId, per_page: 5 });
  }

  async findHostname(hostname: string): Promise<CustomHostname | undefined> {
    const page = await this.client.customHostnames.list({
      zone_id: this.zoneId,
      hostname: { exact: hostname },
    });
    const hit = page.result.find((h) => h.hostname === hostname);
    return hit ? hostnameOf(hit) : undefined;
  }

  async listHostnames(page: number): Promise<CustomHostname[]> {
    const answer = await this.client.customHostnames.list({
      zone_id: this.zoneId,
      page,
      per_page: 50,
    });
    return answer.result.map(hostnameOf);
  }

  async createHostname(
    hostname: string,
    metadata: Record<string, string>,
    ssl: HostnameSsl,
  ): Promise<{ created: CustomHostname } | { duplicate: true }> {
    try {
      const created = await this.client.customHostnames.create(
        { zone_id: this.zoneId, hostname, ssl, custom_metadata: metadata },
        // A 409 here means "exists" (1406), not a lock to retry.
        { maxRetries: 0 },
      );
      return { created: hostnameOf(created) };
    } catch (error) {
      if (error instanceof ConflictError && error.errors.some((e) => e.code === 1406))
        return { duplicate: true };
      throw error;
    }
  }

  async editHostnameMetadata(
    id: string,
    metadata: Record<string, string>,
  ): Promise<CustomHostname> {
    return hostnameOf(
      await this.client.customHostnames.edit(id, {
        zone_id: this.zoneId,
        custom_metadata: metadata,
      }),
    );
  }

  async editHostnameSsl(id: string, ssl: HostnameSsl): Promise<CustomHostname> {
    return hostnameOf(await this.client.customHostnames.edit(id, { zone_id: this.zoneId, ssl }));
  }

  async deleteHostname(id: string): Promise<void> {
    try {
      await this.client.customHostnames.delete(id, { zone_id: this.zoneId });
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
    }
  }

  async getPhase(phase: Phase): Promise<PhaseRuleset | undefined> {
    try {
      return rulesetOf(await this.client.rulesets.phases.get(phase, { zone_id: this.zoneId }));
    } catch (error) {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    }
  }

  async putPhase(phase: Phase, rules: RuleSpec[]): Promise<PhaseRuleset> {
    const params: PhaseUpdateParams = {
      zone_id: this.zoneId,
      description: 'managed by Poppy: rules carry refs poppy_<service id>_…',
      rules: rules as unknown as PhaseUpdateParams['rules'],
    };
    return rulesetOf((await this.client.rulesets.phases.update(phase, params)) as SdkRuleset);
  }

  async addRule(rulesetId: string, rule: RuleSpec): Promise<void> {
    const params = { zone_id: this.zoneId, ...rule } as unknown as RuleCreateParams;
    await this.client.rulesets.rules.create(rulesetId, params);
  }

  async editRule(rulesetId: string, ruleId: string, rule: RuleSpec): Promise<void> {
    const params = {
      zone_id: this.zoneId,
      ruleset_id: rulesetId,
      ...rule,
    } as unknown as RuleEditParams;
    await this.client.rulesets.rules.edit(ruleId, params);
  }

  async deleteRule(rulesetId: string, ruleId: string): Promise<void> {
    try {
      await this.client.rulesets.rules.delete(ruleId, {
        zone_id: this.zoneId,
        ruleset_id: rulesetId,
      });
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
    }
  }

  async purge(request: PurgeRequest): Promise<void> {
    await this.client.cache.purge({ zone_id: this.zoneId, ...request });
  }
}
