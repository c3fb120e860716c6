/** REST helpers of the DNS end-to-end test (the same calls a client makes). */
import type { Suite } from '@poppy/testing';

export const PROJECT = 'dns-e2e-project';

export interface Reply {
  status: number;
  headers: Headers;
  body: unknown;
}

export interface ServiceBody {
  id: string;
  status: string;
  errors: Array<{ message: string }>;
  links: Array<{ href: string; rel: string }>;
}

export async function api(
  suite: Suite,
  method: string,
  urlPath: string,
  body?: unknown,
): Promise<Reply> {
  const res = await fetch(`${suite.baseUrl}${urlPath}`, {
    method,
    headers: { 'X-Project-ID': PROJECT, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: text ? (JSON.parse(text) as unknown) : undefined,
  };
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
export async function waitForStatus(
  suite: Suite,
  id: string,
  status: string,
  timeoutMs = 10_000,
): Promise<ServiceBody> {
  const end = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const reply = await getService(suite, id);
    last = reply.status === 404 ? 'gone' : reply.body.status;
    if (last === status) return reply.body;
    if (Date.now() > end)
      throw new Error(`service ${id} is ${last}, not ${status}, after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
