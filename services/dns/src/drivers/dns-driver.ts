/**
 * The port every DNS backend implements: zones and the two record types the service
 * needs (CNAME, TXT). Names are fully qualified without the trailing dot. Drivers throw
 * DnsBackendError; `retryable` says whether the same call may succeed later.
 */
export class DnsBackendError extends Error {
  override readonly name = 'DnsBackendError';
  constructor(
    message: string,
    readonly retryable: boolean,
    /** e.g. the HTTP status or the SDK's error name. */
    readonly errorClass?: string,
  ) {
    super(message);
  }
}

export interface DnsDriver {
  /** For health and provider details: "PowerDNS", "Route53", "Manual". */
  readonly dnsName: string;
  /** True when nothing is recorded and the operator creates the CNAMEs (manual driver). */
  readonly manual: boolean;
  isAlive(): Promise<boolean>;
  /** Creates the zone when absent. */
  ensureZone(zone: string): Promise<void>;
  /** Records in the zone (any type), undefined when the zone does not exist. */
  countRecords(zone: string): Promise<number | undefined>;
  /** The longest existing zone that `name` lies in, undefined when none. */
  findZone(name: string): Promise<string | undefined>;
  /** Creates or replaces the CNAME `name` → `target` in `zone` (which exists). */
  upsertCname(zone: string, name: string, target: string, ttl: number): Promise<void>;
  /** Removes the CNAME; an absent record or zone is fine. */
  deleteCname(zone: string, name: string): Promise<void>;
  /** The CNAME target as stored, undefined when absent. */
  getCname(zone: string, name: string): Promise<string | undefined>;
  /** Replaces every value of the TXT record `name` ([] deletes it). */
  setTxt(zone: string, name: string, values: string[], ttl: number): Promise<void>;
  /** TXT values as stored (unquoted), [] when absent. */
  getTxt(zone: string, name: string): Promise<string[]>;
}

export const stripDot = (name: string): string => name.replace(/\.$/, '').toLowerCase();
export const withDot = (name: string): string => `${stripDot(name)}.`;
/** A TXT value in zone-file form. */
export const quoteTxt = (value: string): string => `"${value.replace(/(["\\])/g, '\\$1')}"`;
export const unquoteTxt = (value: string): string =>
  value
    .split(/"\s+"/)
    .map((part) => part.replace(/^"|"$/g, '').replace(/\\(["\\])/g, '$1'))
    .join('');
