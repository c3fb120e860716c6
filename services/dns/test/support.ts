/** REST helpers of the DNS end-to-end test (the same calls a client makes). */
import {
  callApi,
  waitForServiceStatus,
  type ApiReply,
  type ServiceBody,
  type Suite,
} from '@poppy/testing';

export const PROJECT = 'dns-e2e-project';

export type Reply = ApiReply;

export type { ServiceBody };

export function api(suite: Suite, method: string, urlPath: string, body?: unknown): Promise<Reply> {
  return callApi(suite, PROJECT, method, urlPath, body);
}

let counter = 0;

/** Creates a service on `flavor` with one http domain; its id and domain. */
export async function createService(
  suite: Suite,
  flavor: string,
): Promise<{ id: string; domain: string }> {
  counter += 1;
  const domain = `www.d${process.pid}x${counter}.com`;
  const reply = await api(suite, 'POST', '/v1.0/services', {
    name: `dns-e2e-${counter}`,
    domains: [{ domain }],
    origins: [{ origin: 'origin.example.com' }],
    flavor_id: flavor,
  });
  if (reply.status !== 202)
    throw new Error(`create answered ${reply.status}: ${JSON.stringify(reply.body)}`);
  return { id: reply.headers.get('location')!.split('/').pop()!, domain };
}

export async function getService(suite: Suite, id: string): Promise<Reply & { body: ServiceBody }> {
  return (await api(suite, 'GET', `/v1.0/services/${id}`)) as Reply & { body: ServiceBody };
}

/** Polls until the service has `status` (or is gone, for 'gone'); fails with the last status seen. */
export function waitForStatus(
  suite: Suite,
  id: string,
  status: string,
  timeoutMs = 10_000,
): Promise<ServiceBody> {
  return waitForServiceStatus(suite, PROJECT, id, status, { timeoutMs });
}
