/**
 * The renewal sweep: every deployed certificate expiring within the window is re-issued
 * (managed) or reported (custom: only its owner can upload a new one). Whatever could not
 * be renewed is reported three ways: the `poppy_certificates_renewal_failures` metric, a
 * warning log line, and the record's error_message (its status turns `failed` only once
 * the old certificate has actually expired, see Certificates.issue).
 */
import { metrics } from '@opentelemetry/api';
import type { Logger } from '@poppy/platform';
import type { Certificates } from './certificates';
import type { CertificateStore } from './store/certificate-store';

const meter = metrics.getMeter('poppy-certificates');
const renewals = meter.createCounter('poppy_certificates_renewals', {
  description: 'Certificates renewed by the sweep',
});
const renewalFailures = meter.createCounter('poppy_certificates_renewal_failures', {
  description: 'Certificates due for renewal that the sweep could not renew, by cert_type',
});

export interface SweepResult {
  renewed: string[];
  notRenewed: Array<{ domain: string; reason: string }>;
}

export async function renewDue(
  certificates: Certificates,
  store: CertificateStore,
  options: { withinDays: number; logger: Logger; now?: Date },
): Promise<SweepResult> {
  const now = options.now ?? new Date();
  const due = await store.listExpiringBefore(now.getTime() + options.withinDays * 86_400_000);
  const result: SweepResult = { renewed: [], notRenewed: [] };
  for (const record of due) {
    const domain = record.domain_name;
    const expires = new Date(record.not_after).toISOString();
    if (record.cert_type === 'custom') {
      const reason = `custom certificate expires on ${expires}; upload a new one`;
      await store.put({ ...record, error_message: reason, updated_at: now.getTime() });
      result.notRenewed.push({ domain, reason });
      continue;
    }
    await certificates.startIssuance(domain);
    const after = await store.get(domain);
    if (after && after.not_after > record.not_after && after.status === 'deployed') {
      result.renewed.push(domain);
      renewals.add(1, { cert_type: record.cert_type });
    } else {
      result.notRenewed.push({ domain, reason: after?.error_message || 'not renewed' });
    }
  }
  for (const { domain, reason } of result.notRenewed) {
    const type = due.find((r) => r.domain_name === domain)?.cert_type ?? 'unknown';
    renewalFailures.add(1, { cert_type: type });
    options.logger.warn({ domain, reason }, 'certificate due for renewal was not renewed');
  }
  if (due.length > 0)
    options.logger.info({ due: due.length, renewed: result.renewed.length }, 'renewal sweep done');
  return result;
}
