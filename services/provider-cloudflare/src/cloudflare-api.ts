/**
 * What the Cloudflare driver needs from Cloudflare's API v4, and nothing more: the seam
 * between the decisions (cloudflare-driver.ts, rule-sync.ts; unit-tested without a network)
 * and the official `cloudflare` SDK (sdk-cloudflare-api.ts; exercised against the fake in
 * tools/fakes/cloudflare by test/*.int-spec.ts). Every call is on the operator's SaaS zone.
 *
 * "Not found" is an answer (`undefined`), and so is a duplicate hostname (`{ duplicate }`);
 * every other failure is thrown as the SDK raised it, and the driver turns it into a
 * ProviderError with `fromVendorError` (vendor-errors.ts).
 */

/** The rulesets phases Poppy writes (reference: vendor doc §4–§6). */
export const ORIGIN_PHASE = 'http_request_origin';
export const CACHE_PHASE = 'http_request_cache_settings';
export const WAF_PHASE = 'http_request_firewall_custom';
export type Phase = typeof ORIGIN_PHASE | typeof CACHE_PHASE | typeof WAF_PHASE;
export const PHASES: readonly Phase[] = [ORIGIN_PHASE, CACHE_PHASE, WAF_PHASE];

/** A rule as Poppy writes it (the request form of a Rulesets rule). */
export interface RuleSpec {
  /** Stable identity across writes: `poppy_<service id>_<phase>_<n>` (rule-sync.ts). */
  ref: string;
  description: string;
  expression: string;
  action: string;
  action_parameters?: Record<string, unknown>;
  enabled: boolean;
}

/** A rule as Cloudflare stores it. */
export interface Rule extends RuleSpec {
  id: string;
}

export interface PhaseRuleset {
  id: string;
  version: string;
  rules: Rule[];
}

export interface CustomHostname {
  id: string;
  hostname: string;
  /** Ownership: `pending` until the customer's CNAME validates, then `active`; or moved/blocked/… */
  status: string;
  /** Certificate: initializing → pending_validation → … → active (or *_timed_out, expired, …). */
  sslStatus: string;
  /** Why it is not active yet (ownership or certificate validation errors). */
  errors: string[];
  metadata: Record<string, string>;
  createdAtMs: number;
  /** Whether a custom (uploaded) certificate is installed rather than a managed one. */
  customCertificate: boolean;
}

export interface HostnameSsl {
  method: 'http';
  type: 'dv';
  custom_certificate?: string;
  custom_key?: string;
}

export type PurgeRequest =
  { files: string[] } | { hosts: string[] } | { prefixes: string[] } | { purge_everything: true };

export interface CloudflareApi {
  /** One cheap authenticated call on the zone; throws when Cloudflare cannot be reached. */
  ping(): Promise<void>;
  findHostname(hostname: string): Promise<CustomHostname | undefined>;
  /** One page (1-based) of the zone's custom hostnames; an empty page past the last. */
  listHostnames(page: number): Promise<CustomHostname[]>;
  createHostname(
    hostname: string,
    metadata: Record<string, string>,
    ssl: HostnameSsl,
  ): Promise<{ created: CustomHostname } | { duplicate: true }>;
  editHostnameMetadata(id: string, metadata: Record<string, string>): Promise<CustomHostname>;
  /** Replaces the hostname's ssl (same method and type: restarts validation). */
  editHostnameSsl(id: string, ssl: HostnameSsl): Promise<CustomHostname>;
  /** A hostname already gone counts as deleted. */
  deleteHostname(id: string): Promise<void>;
  /** The phase's entry point, undefined if it was never created. */
  getPhase(phase: Phase): Promise<PhaseRuleset | undefined>;
  /** Creates (or replaces) the whole phase entry point. */
  putPhase(phase: Phase, rules: RuleSpec[]): Promise<PhaseRuleset>;
  /** Rule-level writes leave other services' rules in the phase untouched. */
  addRule(rulesetId: string, rule: RuleSpec): Promise<void>;
  editRule(rulesetId: string, ruleId: string, rule: RuleSpec): Promise<void>;
  /** A rule already gone counts as deleted. */
  deleteRule(rulesetId: string, ruleId: string): Promise<void>;
  purge(request: PurgeRequest): Promise<void>;
}
