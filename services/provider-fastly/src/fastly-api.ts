/**
 * What the Fastly driver needs from Fastly API v1, and nothing more: the seam between the
 * decisions (fastly-driver.ts, tls.ts, the pure planning in service-config.ts) and HTTP
 * (http-fastly-api.ts, exercised against tools/fakes/fastly by test/*.int-spec.ts).
 *
 * Shapes follow the vendor reference (shared vendors/fastly.md): version-scoped config
 * objects addressed by name, version numbers, JSON:API TLS objects read into a few fields.
 * "Not found" is an answer (`undefined`), not an error. Every other failure is thrown as
 * the vendor raised it (FastlyHttpError); the driver maps it with fromVendorError.
 */

/** The version-scoped config objects Poppy writes, by their path segment under `/version/{v}/`. */
export const CONFIG_KINDS = [
  'condition',
  'domain',
  'backend',
  'cache_settings',
  'header',
  'snippet',
] as const;
export type ConfigKind = (typeof CONFIG_KINDS)[number];

/** A config object as form fields (booleans are sent as 0/1); `name` is its key in the version. */
export type ConfigObject = { name: string } & Record<string, string | number | boolean>;

/** One version's config, per kind, as Poppy compares it. */
export type VersionConfig = Record<ConfigKind, ConfigObject[]>;

export interface VersionInfo {
  number: number;
  active: boolean;
  locked: boolean;
}

export interface FastlyService {
  id: string;
  name: string;
  comment: string;
  createdAtMs: number;
  versions: VersionInfo[];
}

/** One change to a draft version, in the order it must be sent. */
export type ConfigChange =
  | { op: 'create'; kind: ConfigKind; object: ConfigObject }
  | { op: 'update'; kind: ConfigKind; object: ConfigObject }
  | { op: 'delete'; kind: ConfigKind; name: string };

export interface ValidationResult {
  ok: boolean;
  /** Fastly's compiler message when not ok. */
  msg?: string;
}

export interface TlsObject {
  id: string;
  name?: string;
  /** Subscriptions: pending, processing, issued, renewing, failed. */
  state?: string;
  /** Domain names related to it (certificates, subscriptions, activations). */
  domains: string[];
  /** Activations: the certificate they serve. */
  certificateId?: string;
}

export interface FastlyApi {
  /** One cheap authenticated call; throws when Fastly cannot be reached or refuses the token. */
  ping(): Promise<void>;
  /** `GET /service/search?name=`. */
  findServiceByName(name: string): Promise<FastlyService | undefined>;
  getService(id: string): Promise<FastlyService | undefined>;
  /** One page (1-based) of `GET /service`. */
  listServices(page: number, perPage: number): Promise<FastlyService[]>;
  createService(name: string, comment: string): Promise<FastlyService>;
  /** A service already gone counts as deleted. */
  deleteService(id: string): Promise<void>;
  /** The config objects of one version (`GET /service/{sid}/details?version=`). */
  readVersion(serviceId: string, version: number): Promise<VersionConfig>;
  /** `PUT …/version/{v}/clone` → the new draft's number. */
  cloneVersion(serviceId: string, version: number): Promise<number>;
  applyChange(serviceId: string, version: number, change: ConfigChange): Promise<void>;
  validateVersion(serviceId: string, version: number): Promise<ValidationResult>;
  activateVersion(serviceId: string, version: number): Promise<void>;
  deactivateVersion(serviceId: string, version: number): Promise<void>;
  /** `POST /purge/{host}{path}`. */
  purgeUrl(hostAndPath: string, soft: boolean): Promise<void>;
  purgeAll(serviceId: string): Promise<void>;
  purgeKey(serviceId: string, key: string, soft: boolean): Promise<void>;
  // TLS (JSON:API). Custom certificates: key, certificate, activation per domain.
  listPrivateKeys(): Promise<TlsObject[]>;
  createPrivateKey(name: string, pem: string): Promise<TlsObject>;
  deletePrivateKey(id: string): Promise<void>;
  listCertificates(): Promise<TlsObject[]>;
  createCertificate(name: string, pem: string): Promise<TlsObject>;
  replaceCertificate(id: string, pem: string): Promise<TlsObject>;
  deleteCertificate(id: string): Promise<void>;
  listActivations(domain: string): Promise<TlsObject[]>;
  createActivation(certificateId: string, domain: string): Promise<TlsObject>;
  deleteActivation(id: string): Promise<void>;
  // Fastly-managed certificates.
  findSubscriptions(domain: string): Promise<TlsObject[]>;
  createSubscription(domain: string, certificateAuthority: string): Promise<TlsObject>;
  deleteSubscription(id: string): Promise<void>;
}
