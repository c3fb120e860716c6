/**
 * Certificates at the Varnish edge's TLS front (issue 15): the built provider-varnish
 * process over gRPC, a real varnishd with a PROXY listener and a real hitch in front of it
 * (libs/testing). A certificate installed for www.example.test is what a TLS handshake with
 * that SNI name sees, and an HTTPS request through hitch reaches the origin behind Varnish;
 * a renewal (new serial) is seen by the next handshake while a connection opened before it
 * still completes its request; a bad pair is refused for the tenant; delete removes it.
 */
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import type { providerV1 } from '@poppy/contracts';
import { createProviderClient, ProviderError, type ProviderClient } from '@poppy/provider-kit';
import {
  makeSelfSignedCertificate,
  startHitch,
  startProcess,
  startVarnish,
  type Hitch,
  type RunningProcess,
  type SelfSignedCertificate,
  type Varnish,
} from '@poppy/testing';

jest.setTimeout(60_000);

const DOMAIN = 'www.example.test';
const SERVICE_ID = 'tls-service-1';

let origin: http.Server;
let varnish: Varnish;
let hitch: Hitch;
let adapter: RunningProcess;
let client: ProviderClient;

function certificateRequest(
  pair: Pick<SelfSignedCertificate, 'certificatePem' | 'privateKeyPem'>,
  domain = DOMAIN,
): providerV1.CreateCertificateRequest {
  return {
    certificate: {
      domain_name: domain,
      project_id: 'p1',
      flavor_id: 'edge',
      cert_type: 'san',
      cert_details: { certificate_pem: pair.certificatePem, private_key_pem: pair.privateKeyPem },
    },
    enqueue: false,
    https_upgrade: false,
    service_id: 's1',
    provider_service_id: '',
  };
}

/** The certificate a fresh handshake with `servername` sees. */
function handshakeFingerprint(servername: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: '127.0.0.1',
      port: hitch.tlsPort,
      servername,
      rejectUnauthorized: false,
    });
    socket.setTimeout(5000, () => socket.destroy(new Error('handshake timed out')));
    socket.once('secureConnect', () => {
      resolve(socket.getPeerCertificate().fingerprint256);
      socket.end();
    });
    socket.once('error', reject);
  });
}

interface HttpsAnswer {
  status: number;
  body: string;
  fingerprint: string;
  reusedSocket: boolean;
}

/** GET https://www.example.test<path> through hitch, trusting only `ca`. */
function httpsGet(agent: https.Agent, ca: string, urlPath: string): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const req = https.get(
      {
        host: '127.0.0.1',
        port: hitch.tlsPort,
        servername: DOMAIN,
        headers: { host: DOMAIN },
        path: urlPath,
        ca,
        agent,
        timeout: 5000,
      },
      (res) => {
        // Read now: a keep-alive socket goes back to the agent (res.socket = null) at the end.
        const fingerprint = (res.socket as tls.TLSSocket).getPeerCertificate().fingerprint256;
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body,
            fingerprint,
            reusedSocket: req.reusedSocket,
          }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
  });
}

async function providerErrorOf(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

beforeAll(async () => {
  origin = http.createServer((req, res) => {
    res.setHeader('cache-control', 'no-store');
    res.end(`origin answered ${req.url} for ${req.headers.host}`);
  });
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
  varnish = await startVarnish({ proxyListener: true });
  hitch = await startHitch({ backend: varnish.proxyAddress!, proxy: true });
  adapter = await startProcess('provider-varnish', {
    POPPY_PROVIDER_PORT: '0',
    POPPY_VARNISH_ADMIN_ADDRESS: varnish.adminAddress,
    POPPY_VARNISH_HTTP_ADDRESS: varnish.httpAddress,
    POPPY_VARNISH_SECRET_FILE: varnish.secretFile,
    POPPY_VARNISH_EDGE_HOSTNAME: 'edge.poppy.test',
    POPPY_VARNISH_TLS_PEM_DIR: hitch.pemDir,
    POPPY_VARNISH_HITCH_PID_FILE: hitch.pidFile,
    POPPY_VARNISH_TLS_ADDRESS: hitch.tlsAddress,
  });
  client = createProviderClient(`127.0.0.1:${adapter.port}`, { deadlineMs: 20_000 });
  await client.createService({
    service_id: SERVICE_ID,
    project_id: 'p1',
    spec: {
      name: 'tls',
      domains: [{ domain: DOMAIN, protocol: 'https', certificate: 'san' }],
      origins: [
        {
          origin: '127.0.0.1',
          port: (origin.address() as AddressInfo).port,
          ssl: false,
          rules: [],
          hostheadertype: 'domain',
        },
      ],
      caching: [],
      restrictions: [],
      flavor_id: 'edge',
      log_delivery: { enabled: false },
    },
  });
});

afterAll(async () => {
  client?.close();
  await adapter?.stop();
  await hitch?.stop();
  await varnish?.stop();
  await new Promise((resolve) => origin?.close(resolve));
});

describe('certificates at the Varnish edge (hitch)', () => {
  let first: SelfSignedCertificate;

  it('installs a certificate that a handshake for the domain sees, and HTTPS reaches the origin', async () => {
    expect(await handshakeFingerprint(DOMAIN)).toBe(hitch.fallbackFingerprint256);
    first = await makeSelfSignedCertificate([DOMAIN]);

    const res = await client.createCertificate(certificateRequest(first));

    expect(res.cert_domain).toBe(DOMAIN);
    expect(JSON.parse(res.extra_info_json)).toMatchObject({
      status: 'deployed',
      fingerprint_sha256: first.fingerprint256,
    });
    expect(await handshakeFingerprint(DOMAIN)).toBe(first.fingerprint256);
    const agent = new https.Agent({ keepAlive: false });
    const answer = await httpsGet(agent, first.certificatePem, '/hello');
    expect(answer).toMatchObject({
      status: 200,
      body: `origin answered /hello for ${DOMAIN}`,
      fingerprint: first.fingerprint256,
    });
    agent.destroy();
    const file = path.join(hitch.pemDir, `${DOMAIN}.pem`);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    // Never the key in what the adapter printed.
    const keyBody = first.privateKeyPem.split('\n')[1]!;
    expect(adapter.output()).not.toContain(keyBody);
  });

  it('installing the same pair again (a redelivered job) leaves one file serving it', async () => {
    await client.createCertificate(certificateRequest(first));
    expect(fs.readdirSync(hitch.pemDir).filter((f) => !f.startsWith('.'))).toEqual([
      `${DOMAIN}.pem`,
    ]);
    expect(await handshakeFingerprint(DOMAIN)).toBe(first.fingerprint256);
  });

  it('a renewal is seen by new handshakes; a connection opened before it completes its request', async () => {
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
    const before = await httpsGet(agent, first.certificatePem, '/before');
    expect(before).toMatchObject({ status: 200, fingerprint: first.fingerprint256 });
    const renewed = await makeSelfSignedCertificate([DOMAIN]);
    expect(renewed.serial).not.toBe(first.serial);

    const res = await client.createCertificate(certificateRequest(renewed));

    expect(JSON.parse(res.extra_info_json)).toMatchObject({
      fingerprint_sha256: renewed.fingerprint256,
    });
    // The connection opened before the reload, on the old certificate, still answers.
    const onOldConnection = await httpsGet(agent, first.certificatePem, '/during');
    expect(onOldConnection).toMatchObject({
      status: 200,
      body: `origin answered /during for ${DOMAIN}`,
      fingerprint: first.fingerprint256,
      reusedSocket: true,
    });
    agent.destroy();
    expect(await handshakeFingerprint(DOMAIN)).toBe(renewed.fingerprint256);
    const fresh = new https.Agent({ keepAlive: false });
    expect(await httpsGet(fresh, renewed.certificatePem, '/after')).toMatchObject({
      status: 200,
      fingerprint: renewed.fingerprint256,
    });
    fresh.destroy();
    first = renewed;
  });

  it('refuses, for the tenant, a certificate of another name or a key of another certificate', async () => {
    const other = await makeSelfSignedCertificate(['other.example.test']);
    const wrongName = await providerErrorOf(client.createCertificate(certificateRequest(other)));
    expect(wrongName).toMatchObject({ retryable: false, errorClass: 'varnish.InvalidCertificate' });
    expect(wrongName.message).toContain(`does not name ${DOMAIN}`);

    const mixed = await providerErrorOf(
      client.createCertificate(
        certificateRequest({
          certificatePem: first.certificatePem,
          privateKeyPem: other.privateKeyPem,
        }),
      ),
    );
    expect(mixed).toMatchObject({ retryable: false, errorClass: 'varnish.InvalidCertificate' });
    expect(mixed.message).not.toContain(other.privateKeyPem.split('\n')[1]!);
    // Still the installed one.
    expect(await handshakeFingerprint(DOMAIN)).toBe(first.fingerprint256);
  });

  it('deleteCertificate removes it: the handshake falls back to the default certificate', async () => {
    const res = await client.deleteCertificate({
      certificate: {
        domain_name: DOMAIN,
        project_id: 'p1',
        flavor_id: 'edge',
        cert_type: 'san',
        cert_details: {},
      },
    });

    expect(JSON.parse(res.extra_info_json)).toMatchObject({ status: 'deleted' });
    expect(fs.existsSync(path.join(hitch.pemDir, `${DOMAIN}.pem`))).toBe(false);
    expect(await handshakeFingerprint(DOMAIN)).toBe(hitch.fallbackFingerprint256);
  });
});
