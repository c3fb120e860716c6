/**
 * The vendor half of the Akamai operator routes (reference §10.11–10.14): the calls the
 * catalog's AkamaiAdmin makes through poppy.akamai.v1.AkamaiAdminService (admin-server.ts).
 * Plain logic over AkamaiApi; the queues and settings stay in the catalog.
 */
import { invalid, notFound, unavailable, type PoppyError } from '@poppy/domain';
import type { AkamaiApi, PropertySummary } from './akamai-api';
import type { PropertyHostname } from './rule-tree';
import { AkamaiHttpError } from './vendor-errors';

export type CertType = 'san' | 'sni';

export interface AkamaiAdminSettings {
  sanCertNames: string[];
  sniCertNames: string[];
  httpsSuffix: string;
  /**
   * The operator's properties that carry the mod-SAN / mod-SNI hostnames (by name; the
   * reference's `akamai_https_san_config_numbers`): they exist with their rules, this only
   * adds hostnames.
   */
  sanPropertyName: string;
  sniPropertyName: string;
}

export class AkamaiAdminOperations {
  constructor(
    private readonly api: AkamaiApi,
    readonly settings: AkamaiAdminSettings,
  ) {}

  /**
   * §10.11 update-papi: a new version of the mod-SAN / mod-SNI property holding its current
   * hostnames plus `hostnames` (one per cnameFrom: a newer mapping replaces an older), then
   * its activation on staging and production.
   */
  async updatePropertyHostnames(
    certType: CertType,
    hostnames: Array<{ cnameFrom: string; cnameTo: string }>,
  ): Promise<{ propertyId: string; version: number }> {
    return vendorCall(async () => {
      const property = await this.modProperty(certType);
      const id = property.propertyId;
      const base = property.latestVersion;
      const current = await this.api.getRules(id, base);
      const version = await this.api.createVersion(id, base, current.etag);
      const existing = await this.api.getHostnames(id, version);
      const added = new Set(hostnames.map((h) => h.cnameFrom));
      const next: PropertyHostname[] = [
        ...existing.filter((h) => !added.has(h.cnameFrom)),
        ...hostnames.map((h) => ({
          cnameType: 'EDGE_HOSTNAME' as const,
          cnameFrom: h.cnameFrom,
          cnameTo: h.cnameTo,
          certProvisioningType: 'CPS_MANAGED' as const,
        })),
      ];
      const { etag } = await this.api.getRules(id, version);
      await this.api.putHostnames(id, version, next, etag);
      await this.api.activate(id, version, 'STAGING', 'ACTIVATE');
      await this.api.activate(id, version, 'PRODUCTION', 'ACTIVATE');
      return { propertyId: id, version };
    });
  }

  /** The CPS state of `domain`'s enrollment: pending change → its state, none → deployed. */
  async certificateStatus(domain: string): Promise<string> {
    return vendorCall(async () => {
      const enrollment = (await this.api.listEnrollments()).find((e) => e.cn === domain);
      if (!enrollment) return 'not_found';
      if (enrollment.pendingChangeId === undefined) return 'deployed';
      const change = await this.api.getChange(enrollment.id, enrollment.pendingChangeId);
      if (!change) return 'deployed';
      if (change.state === 'error' || change.error) return 'failed';
      return change.state === 'completed' ? 'deployed' : 'create_in_progress';
    });
  }

  /** §10.13 POST: the domain's certificate starts over — its enrollment (if any) goes, a new one comes. */
  async recreateCertificate(domain: string, certType: CertType): Promise<number> {
    return vendorCall(async () => {
      for (const e of await this.api.listEnrollments())
        if (e.cn === domain) await this.api.deleteEnrollment(e.id);
      const { enrollmentId } = await this.api.createEnrollment(domain, certType === 'sni');
      return enrollmentId;
    });
  }

  /** §10.14: a SAN cert's `spsId` is its CPS enrollment; its "job id" the latest (pending) change, 0 when none is pending. */
  async latestSpsJobId(spsId: number): Promise<number> {
    return vendorCall(async () => {
      const enrollment = (await this.api.listEnrollments()).find((e) => e.id === spsId);
      if (!enrollment) throw notFound(`No CPS enrollment ${spsId}`);
      return enrollment.pendingChangeId ?? 0;
    });
  }

  private async modProperty(certType: CertType): Promise<PropertySummary> {
    const name = certType === 'san' ? this.settings.sanPropertyName : this.settings.sniPropertyName;
    const found = (await this.api.listProperties()).find((p) => p.propertyName === name);
    if (!found)
      throw notFound(
        `No Akamai property ${name} for mod-${certType.toUpperCase()} hostnames (POPPY_AKAMAI_${certType.toUpperCase()}_PROPERTY)`,
      );
    return found;
  }
}

/** Akamai's answers as the platform's error kinds (grpc-errors.ts carries them on the wire). */
async function vendorCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw error instanceof AkamaiHttpError ? fromHttpError(error) : toUnavailable(error);
  }
}

function fromHttpError(error: AkamaiHttpError): PoppyError {
  const message = `Akamai: ${error.message}`;
  if (error.status === 404) return notFound(message);
  if (error.status === 429 || error.status === 409 || error.status === 412 || error.status >= 500)
    return unavailable(message, error);
  return invalid(message);
}

/** No answer at all (fetch's network TypeError, its timeout): retry later. */
function toUnavailable(error: unknown): unknown {
  const noAnswer =
    error instanceof TypeError ||
    (error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError'));
  return noAnswer ? unavailable(`Akamai could not be reached: ${error.message}`, error) : error;
}
