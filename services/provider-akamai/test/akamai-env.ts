/** The provider-akamai settings that point it at a running FakeAkamai (tests only). */
import { FAKE_CREDENTIALS, type FakeAkamai } from '@poppy/fakes/akamai';

export function akamaiEnv(
  fake: FakeAkamai,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    POPPY_AKAMAI_BASE_URL: fake.baseUrl,
    POPPY_AKAMAI_CLIENT_TOKEN: FAKE_CREDENTIALS.clientToken,
    POPPY_AKAMAI_CLIENT_SECRET: FAKE_CREDENTIALS.clientSecret,
    POPPY_AKAMAI_ACCESS_TOKEN: FAKE_CREDENTIALS.accessToken,
    POPPY_AKAMAI_CONTRACT_ID: fake.contractId,
    POPPY_AKAMAI_GROUP_ID: fake.groupId,
    POPPY_AKAMAI_CP_CODE: '12345',
    POPPY_AKAMAI_TIMEOUT_MS: '3000',
    POPPY_AKAMAI_POLL_MS: '200',
    POPPY_AKAMAI_RATE_LIMIT: '200',
    POPPY_AKAMAI_RATE_BURST: '200',
    ...extra,
  };
}
