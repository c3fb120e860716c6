/** The provider details a flow writes: a provider's part failed, or its earlier errors cleared. */
import type { ProviderDetail, ProviderStatus } from '@poppy/domain';
import type { FailureInfo } from '../providers';

/** `base` (or an empty detail) with the failure recorded and the status set, `failed` unless said. */
export function failedDetail(
  base: ProviderDetail | undefined,
  failure: FailureInfo,
  status: ProviderStatus = 'failed',
): ProviderDetail {
  const detail: ProviderDetail = {
    ...(base ?? { access_urls: [], domains_certificate_status: {} }),
    status,
    error_message: failure.message,
    error_info: failure.detail ?? failure.message,
  };
  if (failure.errorClass) detail.error_class = failure.errorClass;
  else delete detail.error_class;
  return detail;
}

/** A provider detail with the errors of an earlier attempt cleared. */
export function cleared(detail: ProviderDetail): ProviderDetail {
  const rest = { ...detail };
  delete rest.error_info;
  delete rest.error_message;
  delete rest.error_class;
  return rest;
}
