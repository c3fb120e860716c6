/**
 * A tenant's view of a running suite for end-to-end tests: REST calls with a project id,
 * a service's representation, and waiting until a service reaches a status.
 */

export interface ApiReply<B = unknown> {
  status: number;
  headers: Headers;
  body: B;
}

/** The parts of `GET /v1.0/services/{id}` the end-to-end tests read. */
export interface ServiceBody {
  id: string;
  status: string;
  errors: Array<{ message: string }>;
  links: Array<{ href: string; rel: string }>;
  [field: string]: unknown;
}

/** One call of the REST API as tenant `project`; the body is parsed JSON (undefined when empty). */
export async function callApi<B = unknown>(
  target: { baseUrl: string },
  project: string,
  method: string,
  urlPath: string,
  body?: unknown,
): Promise<ApiReply<B>> {
  const res = await fetch(`${target.baseUrl}${urlPath}`, {
    method,
    headers: { 'X-Project-ID': project, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: (text ? JSON.parse(text) : undefined) as B,
  };
}

/** Polls until the service has `status` (or is gone, for 'gone'); fails with the last status seen. */
export async function waitForServiceStatus(
  target: { baseUrl: string },
  project: string,
  id: string,
  status: string,
  options: { timeoutMs?: number; pollMs?: number } = {},
): Promise<ServiceBody> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const end = Date.now() + timeoutMs;
  for (;;) {
    const reply = await callApi<ServiceBody>(target, project, 'GET', `/v1.0/services/${id}`);
    const last = reply.status === 404 ? 'gone' : reply.body.status;
    if (last === status) return reply.body;
    if (Date.now() > end) {
      throw new Error(
        `service ${id} is ${last}, not ${status}, after ${timeoutMs} ms: ${JSON.stringify(reply.body)}`,
      );
    }
    await new Promise((r) => setTimeout(r, options.pollMs ?? 20));
  }
}
