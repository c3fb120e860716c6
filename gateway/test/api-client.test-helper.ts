/**
 * Test helper: raw HTTP calls to a running gateway, and a checker that holds every answer
 * against the served OpenAPI document (status declared, body matching its schema, no body
 * where none is declared, Retry-After on 503 and 429).
 */
import { request as httpRequest } from 'node:http';
import Ajv, { type ValidateFunction } from 'ajv';

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  ms: number;
}

export interface Call {
  method: string;
  path: string;
  project?: string | null;
  headers?: Record<string, string>;
  /** Sent as is (a Buffer costs the sender nothing to encode); objects are sent as JSON text. */
  body?: string | Buffer | object;
}

/** One request over node:http (no client-side header checks, so hostile input goes out as is). */
export function send(baseUrl: string, call: Call): Promise<Answer> {
  const url = new URL(call.path, baseUrl);
  const headers: Record<string, string> = { ...call.headers };
  if (call.project !== null) headers['x-project-id'] = call.project ?? 'conformance';
  const payload =
    call.body === undefined
      ? undefined
      : typeof call.body === 'string' || Buffer.isBuffer(call.body)
        ? call.body
        : JSON.stringify(call.body);
  if (payload !== undefined) {
    headers['content-type'] ??= 'application/json';
    headers['content-length'] = String(Buffer.byteLength(payload));
  }
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method: call.method,
        headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString('utf8'),
            ms: performance.now() - started,
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

type Json = Record<string, unknown>;

export class DocumentChecker {
  private readonly ajv = new Ajv({ strict: false, allErrors: false });
  private readonly validators = new Map<object, ValidateFunction>();

  constructor(readonly document: Json) {
    this.ajv.addFormat('poppy-client-ip', true);
  }

  /** Templates of the document's paths with their methods, e.g. ['/v1.0/services/{service_id}', 'delete']. */
  operations(): Array<{ path: string; method: string; operation: Json }> {
    const out: Array<{ path: string; method: string; operation: Json }> = [];
    for (const [path, methods] of Object.entries(this.document.paths as Json))
      for (const [method, operation] of Object.entries(methods as Json))
        out.push({ path, method, operation: operation as Json });
    return out;
  }

  /** What is wrong with `answer` for the operation `method template`; [] when it conforms. */
  problems(method: string, template: string, answer: Answer): string[] {
    const operation = (this.document.paths as Json)[template] as Json | undefined;
    const op = operation?.[method.toLowerCase()] as Json | undefined;
    if (!op) return [`${method} ${template} is not in the document`];
    const declared = (op.responses as Json)[String(answer.status)] as Json | undefined;
    const where = `${method} ${template} → ${answer.status}`;
    if (!declared) return [`${where}: status not declared (body ${answer.text.slice(0, 200)})`];
    const problems: string[] = [];
    if ((answer.status === 503 || answer.status === 429) && !answer.headers['retry-after'])
      problems.push(`${where}: no Retry-After header`);
    const schema = (declared.content as Json | undefined)?.['application/json'] as Json | undefined;
    if (!schema) {
      if (answer.text !== '') problems.push(`${where}: a body where none is declared`);
      return problems;
    }
    let body: unknown;
    try {
      body = JSON.parse(answer.text);
    } catch {
      return [...problems, `${where}: body is not JSON: ${answer.text.slice(0, 200)}`];
    }
    const validate = this.validatorFor(schema.schema as object);
    if (!validate(body))
      problems.push(
        `${where}: body does not match the declared schema (${this.ajv.errorsText(validate.errors)}): ${answer.text.slice(0, 200)}`,
      );
    return problems;
  }

  private validatorFor(schema: object): ValidateFunction {
    let v = this.validators.get(schema);
    if (!v) {
      v = this.ajv.compile(schema);
      this.validators.set(schema, v);
    }
    return v;
  }
}
