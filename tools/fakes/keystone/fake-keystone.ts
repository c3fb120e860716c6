/**
 * A fake of Keystone v3's token API on 127.0.0.1 (port 0), modelling what the vendors
 * reference (openstack.md §2.5) asks of a faithful fake: `POST /v3/auth/tokens` (password
 * method, user by name+domain or id, project scope by name+domain or id; 201 with
 * X-Subject-Token and the token body; 401 on bad credentials), `GET`/`HEAD`/`DELETE
 * /v3/auth/tokens` (401 + WWW-Authenticate without a valid X-Auth-Token; unknown, expired or
 * revoked subject → 404; `nocatalog`, `allow_expired`), expiry from an injectable clock,
 * the `{"error":{code,title,message}}` envelope and a configurable catalog.
 *
 * Simplifications: no validation policy (any valid token may validate any other), no
 * domain- or system-scoped tokens, one `allow_expired` window of 48 h.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeKeystoneUser {
  id?: string;
  name: string;
  domainId?: string;
  password: string;
  /** Project id → role names the user holds there. */
  roles: Record<string, string[]>;
}

export interface FakeKeystoneProject {
  id: string;
  name: string;
  domainId?: string;
}

export interface FakeKeystoneOptions {
  users: FakeKeystoneUser[];
  projects: FakeKeystoneProject[];
  /** Token lifetime in seconds. @default 3600 (Keystone's `[token] expiration`) */
  lifetimeSeconds?: number;
  catalog?: unknown[];
  now?: () => number;
}

interface IssuedToken {
  id: string;
  body: Record<string, unknown>;
  expiresAt: number;
  revoked: boolean;
}

const ALLOW_EXPIRED_WINDOW_MS = 48 * 3600 * 1000;
const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
};

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export class FakeKeystone {
  private server?: http.Server;
  private readonly tokens = new Map<string, IssuedToken>();
  /** Every GET/HEAD validation received (a cache in front of the fake shows here). */
  validations = 0;
  url = '';
  now: () => number;

  constructor(private readonly options: FakeKeystoneOptions) {
    this.now = options.now ?? Date.now;
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => this.handle(req, res, Buffer.concat(chunks).toString('utf8')));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v3`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }

  /** Issues a project-scoped token directly (what POST /v3/auth/tokens answers). */
  issue(userName: string, projectId: string): string {
    const user = this.options.users.find((u) => u.name === userName);
    const project = this.options.projects.find((p) => p.id === projectId);
    if (!user || !project)
      throw new Error(`fake-keystone: no user ${userName} or project ${projectId}`);
    return this.mint(user, project).id;
  }

  revoke(token: string): void {
    const issued = this.tokens.get(token);
    if (issued) issued.revoked = true;
  }

  private mint(user: FakeKeystoneUser, project: FakeKeystoneProject): IssuedToken {
    const issuedAt = this.now();
    const expiresAt = issuedAt + (this.options.lifetimeSeconds ?? 3600) * 1000;
    const domain = { id: project.domainId ?? 'default', name: 'Default' };
    const token: IssuedToken = {
      id: randomBytes(24).toString('base64url'),
      expiresAt,
      revoked: false,
      body: {
        methods: ['password'],
        expires_at: new Date(expiresAt).toISOString(),
        issued_at: new Date(issuedAt).toISOString(),
        audit_ids: [randomBytes(16).toString('base64url')],
        is_domain: false,
        user: {
          id: user.id ?? user.name,
          name: user.name,
          domain: { id: user.domainId ?? 'default', name: 'Default' },
        },
        project: { id: project.id, name: project.name, domain },
        roles: (user.roles[project.id] ?? []).map((name) => ({ id: randomUUID(), name })),
        catalog: this.options.catalog ?? [],
      },
    };
    this.tokens.set(token.id, token);
    return token;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse, text: string): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    if (url.pathname !== '/v3/auth/tokens')
      return this.error(res, 404, 'The resource could not be found.');
    if (req.method === 'POST') return this.authenticate(res, text);
    if (!this.valid(header(req, 'x-auth-token'), false)) {
      res.setHeader('www-authenticate', `Keystone uri="${this.url.replace(/\/v3$/, '')}"`);
      return this.error(res, 401, 'The request you have made requires authentication.');
    }
    const subjectId = header(req, 'x-subject-token') ?? '';
    const subject = this.valid(subjectId, url.searchParams.has('allow_expired'));
    if (req.method === 'DELETE') {
      if (!subject) return this.error(res, 404, `Could not find token: ${subjectId}.`);
      subject.revoked = true;
      res.writeHead(204).end();
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return this.error(res, 405, 'Method not allowed.');
    this.validations++;
    if (!subject) return this.error(res, 404, `Could not find token: ${subjectId}.`);
    res.setHeader('x-subject-token', subject.id);
    if (req.method === 'HEAD') return void res.writeHead(200).end();
    const body = { ...subject.body };
    if (url.searchParams.has('nocatalog')) delete body.catalog;
    this.json(res, 200, { token: body });
  }

  private authenticate(res: http.ServerResponse, text: string): void {
    let auth: Json;
    try {
      auth = (JSON.parse(text) as Json).auth;
    } catch {
      return this.error(res, 400, 'Malformed request body.');
    }
    const password = auth?.identity?.password?.user;
    const scope = auth?.scope?.project;
    if (!password || !scope)
      return this.error(res, 400, 'Expecting password identity and project scope.');
    const user = this.options.users.find(
      (u) =>
        (password.id !== undefined ? (u.id ?? u.name) === password.id : u.name === password.name) &&
        u.password === password.password,
    );
    if (!user) return this.error(res, 401, 'The request you have made requires authentication.');
    const project = this.options.projects.find((p) =>
      scope.id !== undefined ? p.id === scope.id : p.name === scope.name,
    );
    if (!project) return this.error(res, 401, 'The request you have made requires authentication.');
    const token = this.mint(user, project);
    res.setHeader('x-subject-token', token.id);
    this.json(res, 201, { token: token.body });
  }

  private valid(id: string | undefined, allowExpired: boolean): IssuedToken | undefined {
    const token = id === undefined ? undefined : this.tokens.get(id);
    if (!token || token.revoked) return undefined;
    const deadline = token.expiresAt + (allowExpired ? ALLOW_EXPIRED_WINDOW_MS : 0);
    return this.now() < deadline ? token : undefined;
  }

  private error(res: http.ServerResponse, code: number, message: string): void {
    this.json(res, code, { error: { code, title: TITLES[code] ?? 'Error', message } });
  }

  private json(res: http.ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
