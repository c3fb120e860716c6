/**
 * A renewed or replaced certificate reaches the providers through provisioning: a
 * `certificate` job (proto/poppy/jobs/v1, CertificateJob) for the service the domain was
 * last ensured for. Its id names the domain and the new certificate's expiry, so a
 * replay publishes nothing twice.
 */
import { encodeServiceJob, type JobQueue } from '@poppy/jobs';
import type { CertificateReplaced } from './certificates';

export function publishCertificateJobs(queue: Pick<JobQueue, 'publish'>): CertificateReplaced {
  return async (record) => {
    await queue.publish(
      encodeServiceJob(
        {
          project_id: record.project_id,
          service_id: record.service_id!,
          generation: Math.max(1, record.service_generation ?? 0),
          created_at: new Date().toISOString(),
          reconciled: false,
          job: { $case: 'certificate', value: { domain_name: record.domain_name } },
        },
        { id: `certificate-${record.domain_name}-${record.not_after}` },
      ),
    );
  };
}
