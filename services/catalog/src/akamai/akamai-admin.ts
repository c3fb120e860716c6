/**
 * The Akamai operator routes' logic (docs/behaviour.md §10.11–10.14) over the queues and
 * configuration kept in the catalog store. The vendor half (SPS / PAPI / CPS calls) is the
 * Akamai adapter's: it plugs in as an AkamaiDriverPort. Without one, Akamai is not
 * configured and the routes answer as the reference says for that case: the queues hold
 * what operators put there (nothing fills them), background jobs and the retry list run
 * nothing, the hostname limit reads 0 unless an operator set one, certificate
 * configurations read `{}`.
 */
import { invalid } from '@poppy/domain';
import type {
  AkamaiConfigKind,
  AkamaiQueue,
  AkamaiStateStore,
  JsonObject,
} from '../store/akamai-state-store';

export const AKAMAI_JOB_TYPES = [
  'akamai_check_and_update_cert_status',
  'akamai_update_papi_property_for_mod_san',
  'akamai_update_papi_property_for_mod_sni',
] as const;

export const HOSTNAME_LIMIT_SETTING = 'san_cert_hostname_limit';
/** The reference's seeded hostname limit of a SAN certificate when Akamai runs (docs/behaviour.md §11.1). */
const AKAMAI_DEFAULT_HOSTNAME_LIMIT = 80;

/** The Akamai adapter's certificate settings. */
export interface AkamaiCertificateSettings {
  /** Configured SAN / SNI certificate names (`san_cert_cnames`, `sni_cert_cnames`). */
  readonly sanCertNames: readonly string[];
  readonly sniCertNames: readonly string[];
  /** The edge-hostname suffix of certificates (`<cert>.<suffix>`). */
  readonly httpsSuffix: string;
}

/**
 * What the Akamai adapter does for these routes (the vendor calls). Implemented over gRPC
 * by akamai-admin-client.ts (POPPY_AKAMAI_ADMIN_ADDRESS).
 */
export interface AkamaiDriverPort {
  /** Read per request: the adapter owns these settings and may restart with others. */
  settings(): Promise<AkamaiCertificateSettings>;
  /** Starts the status check of a SAN-mapping item whose property is activated. */
  checkCertificateStatus(item: JsonObject): Promise<void>;
  /** Posts one property update adding the hostnames. */
  updatePropertyHostnames(certType: 'san' | 'sni', hostnames: JsonObject[]): Promise<void>;
  /** Re-runs the certificate creation of a retry-list item (enqueue = false). */
  recreateCertificate(item: JsonObject): Promise<void>;
  /** The latest SPS job id of a SAN certificate's request. */
  latestSpsJobId(spsId: number): Promise<number>;
}

const sameItem = (a: JsonObject, b: JsonObject): boolean => JSON.stringify(a) === JSON.stringify(b);

export class AkamaiAdmin {
  constructor(
    private readonly state: AkamaiStateStore,
    private readonly driver?: AkamaiDriverPort,
  ) {}

  listQueue(queue: AkamaiQueue): Promise<JsonObject[]> {
    return this.state.readQueue(queue);
  }

  /** docs/behaviour.md §10.12 / §10.13 PUT: the queue becomes `items`; `deleted` are the items it no longer holds. */
  async replaceQueue(
    queue: AkamaiQueue,
    items: JsonObject[],
  ): Promise<{ queue: JsonObject[]; deleted: JsonObject[] }> {
    const { before, after } = await this.state.updateQueue(queue, () => items);
    return { queue: after, deleted: before.filter((b) => !after.some((a) => sameItem(a, b))) };
  }

  /** docs/behaviour.md §10.11. */
  async runBackgroundJob(jobType: string): Promise<{ sent: JsonObject[]; ignored: JsonObject[] }> {
    if (!(AKAMAI_JOB_TYPES as readonly string[]).includes(jobType))
      throw invalid(`Unknown job_type ${jobType}; expected one of ${AKAMAI_JOB_TYPES.join(', ')}`);
    const driver = this.driver;
    if (!driver) {
      const items = await this.state.readQueue('san_mapping');
      return {
        sent: [],
        ignored: items.map((i) => ({ ...i, error_message: 'Akamai is not configured' })),
      };
    }
    if (jobType === 'akamai_check_and_update_cert_status') {
      // Drain; activated items get their status check, the others go back.
      const { before } = await this.state.updateQueue('san_mapping', () => []);
      const sent = before.filter((i) => i.property_activated === true);
      const ignored = before.filter((i) => i.property_activated !== true);
      if (ignored.length > 0)
        await this.state.updateQueue('san_mapping', (now) => [...ignored, ...now]);
      for (const item of sent) await driver.checkCertificateStatus(item);
      return { sent, ignored };
    }
    const certType = jobType.endsWith('_san') ? 'san' : 'sni';
    const settings = await driver.settings();
    const names = certType === 'san' ? settings.sanCertNames : settings.sniCertNames;
    const sent: JsonObject[] = [];
    const ignored: JsonObject[] = [];
    const hostnames: JsonObject[] = [];
    for (const item of await this.state.readQueue('san_mapping')) {
      if (item.cert_type !== certType || item.property_activated === true) {
        ignored.push(item);
        continue;
      }
      const extra = ((item.cert_details as JsonObject | undefined)?.Akamai as JsonObject)
        ?.extra_info as JsonObject | undefined;
      const cert = extra?.[certType === 'san' ? 'san cert' : 'sni_cert'];
      if (typeof cert !== 'string' || !names.includes(cert)) {
        ignored.push({ ...item, error_message: `${String(cert)} is not a configured certificate` });
        continue;
      }
      sent.push(item);
      hostnames.push({
        cnameFrom: item.domain_name,
        cnameTo: `${cert}.${settings.httpsSuffix}`,
        cnameType: 'EDGE_HOSTNAME',
      });
    }
    if (hostnames.length > 0) await driver.updatePropertyHostnames(certType, hostnames);
    return { sent, ignored };
  }

  /** docs/behaviour.md §10.13 POST: drain the retry list, de-duplicated, and re-run each certificate. */
  async processRetryList(): Promise<{ processing: JsonObject[]; failed_validation: JsonObject[] }> {
    const driver = this.driver;
    if (!driver) return { processing: [], failed_validation: [] };
    const { before } = await this.state.updateQueue('retry_list', () => []);
    const processing: JsonObject[] = [];
    for (const item of before)
      if (!processing.some((p) => sameItem(p, item))) processing.push(item);
    for (const item of processing) await driver.recreateCertificate(item);
    return { processing, failed_validation: [] };
  }

  /** docs/behaviour.md §10.14 GET. */
  async getConfig(kind: AkamaiConfigKind, name: string): Promise<JsonObject> {
    if (kind === 'settings') {
      const stored = await this.state.getConfig('settings', name);
      const fallback = this.driver ? AKAMAI_DEFAULT_HOSTNAME_LIMIT : 0;
      return { [name]: stored?.[name] ?? fallback };
    }
    if (!this.driver) return {};
    await this.requireConfigured(this.driver, kind, name);
    return (await this.state.getConfig(kind, name)) ?? this.defaults(kind, name);
  }

  /** docs/behaviour.md §10.14 POST: merges `changes` into the stored configuration. */
  async updateConfig(
    kind: AkamaiConfigKind,
    name: string,
    changes: JsonObject,
  ): Promise<JsonObject> {
    if (kind === 'settings') {
      if (changes[HOSTNAME_LIMIT_SETTING] === undefined)
        throw invalid(`${HOSTNAME_LIMIT_SETTING} must be given`);
      const value = { [HOSTNAME_LIMIT_SETTING]: changes[HOSTNAME_LIMIT_SETTING] };
      await this.state.putConfig('settings', HOSTNAME_LIMIT_SETTING, value);
      return value;
    }
    const driver = this.driver;
    if (!driver) throw invalid(`Akamai is not configured: no ${kind} certificate ${name}`);
    await this.requireConfigured(driver, kind, name);
    const current = (await this.state.getConfig(kind, name)) ?? this.defaults(kind, name);
    const next: JsonObject = { ...current, ...changes };
    if (kind === 'san' && typeof changes.spsId === 'number') {
      next.spsId = String(changes.spsId);
      next.jobId = await driver.latestSpsJobId(changes.spsId);
    }
    await this.state.putConfig(kind, name, next);
    return next;
  }

  private async requireConfigured(
    driver: AkamaiDriverPort,
    kind: 'san' | 'sni',
    name: string,
  ): Promise<void> {
    const settings = await driver.settings();
    const names = kind === 'san' ? settings.sanCertNames : settings.sniCertNames;
    if (!names.includes(name))
      throw invalid(`${name} is not a configured ${kind.toUpperCase()} certificate`);
  }

  private defaults(kind: 'san' | 'sni', name: string): JsonObject {
    return kind === 'san'
      ? {
          cnameHostname: name,
          jobId: null,
          issuer: null,
          createType: 'modSan',
          ipVersion: 'ipv4',
          'slot-deployment.class': 'esslType',
          enabled: true,
          product: 'ion_premier',
          spsId: null,
        }
      : { cnameHostname: name, enrollmentId: null, enabled: true };
  }
}
