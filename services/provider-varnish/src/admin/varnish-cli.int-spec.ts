/**
 * The management client against a scripted stand-in of varnishd on a loopback port (the real one
 * is exercised by the integration tests): auth, ordering, reconnect after a drop, timeout.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { VarnishCli, VarnishCliError, VarnishUnreachableError } from './varnish-cli';

const CHALLENGE = 'abcdefghijklmnopqrstuvwxyzabcdef';
const frame = (status: number, body: string) => `${status} ${Buffer.byteLength(body)}\n${body}\n`;

interface Stub {
  port: number;
  lines: string[];
  connections: number;
  close(): Promise<void>;
  dropAll(): void;
}

/** Greets with a challenge, checks `auth`, answers `ping` with PONG, echoes `echo <x>`, never answers `hang`. */
async function startStub(secret: string): Promise<Stub> {
  const sockets = new Set<net.Socket>();
  const stub = { lines: [] as string[], connections: 0 };
  const expected = createHash('sha256')
    .update(`${CHALLENGE}\n${secret}${CHALLENGE}\n`)
    .digest('hex');
  const server = net.createServer((socket) => {
    stub.connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.write(frame(107, `${CHALLENGE}\n\nAuthentication required.\n`));
    let buffer = '';
    socket.on('data', (chunk) => {
      buffer += chunk.toString();
      for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 1);
        stub.lines.push(line);
        if (line.startsWith('auth '))
          socket.write(
            line === `auth ${expected}`
              ? frame(200, 'banner')
              : frame(107, 'Authentication failed'),
          );
        else if (line === 'ping') socket.write(frame(200, 'PONG'));
        else if (line.startsWith('echo ')) socket.write(frame(200, line.slice(5)));
        else if (line === 'hang') continue;
        else socket.write(frame(101, 'Unknown request.'));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(stub, {
    port: (server.address() as net.AddressInfo).port,
    close: () => {
      sockets.forEach((s) => s.destroy());
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
    dropAll: () => sockets.forEach((s) => s.destroy()),
  });
}

describe('VarnishCli', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'poppy-varnish-cli-'));
  const secretFile = path.join(dir, 'secret');
  fs.writeFileSync(secretFile, 'the-secret\n');
  let stub: Stub;
  let cli: VarnishCli | undefined;
  beforeEach(async () => {
    stub = await startStub('the-secret\n');
  });
  afterEach(async () => {
    cli?.close();
    await stub.close();
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('authenticates once and answers commands in order on one connection', async () => {
    cli = new VarnishCli({ host: '127.0.0.1', port: stub.port, secretFile });
    const answers = await Promise.all([
      cli.run('ping'),
      cli.run('echo', 'a b'),
      cli.run('echo', 'c'),
    ]);
    expect(answers).toEqual(['PONG', '"a b"', 'c']);
    expect(stub.connections).toBe(1);
    expect(stub.lines[0]).toMatch(/^auth [0-9a-f]{64}$/);
  });

  it('reports a refused command with its status, and a refused secret as an auth error', async () => {
    cli = new VarnishCli({ host: '127.0.0.1', port: stub.port, secretFile });
    await expect(cli.run('nope')).rejects.toMatchObject({ name: 'VarnishCliError', status: 101 });
    const wrong = path.join(dir, 'wrong');
    fs.writeFileSync(wrong, 'other\n');
    const stranger = new VarnishCli({ host: '127.0.0.1', port: stub.port, secretFile: wrong });
    const error = await stranger.run('ping').catch((e: unknown) => e);
    stranger.close();
    expect(error).toBeInstanceOf(VarnishCliError);
    expect(error).toMatchObject({ command: 'auth', status: 107 });
  });

  it('fails what is in flight when the connection drops, and reconnects for the next command', async () => {
    cli = new VarnishCli({ host: '127.0.0.1', port: stub.port, secretFile, timeoutMs: 5000 });
    await cli.run('ping');
    const inFlight = cli.run('hang');
    await new Promise((r) => setTimeout(r, 50));
    stub.dropAll();
    await expect(inFlight).rejects.toBeInstanceOf(VarnishUnreachableError);
    await expect(cli.run('ping')).resolves.toBe('PONG');
    expect(stub.connections).toBe(2);
  });

  it('gives up on a command not answered within the timeout', async () => {
    cli = new VarnishCli({ host: '127.0.0.1', port: stub.port, secretFile, timeoutMs: 200 });
    await expect(cli.run('hang')).rejects.toThrow(/did not answer within 200 ms/);
  });

  it('reports a port nobody listens on as unreachable', async () => {
    const closed = await startStub('x');
    const port = closed.port;
    await closed.close();
    const orphan = new VarnishCli({ host: '127.0.0.1', port, secretFile });
    await expect(orphan.run('ping')).rejects.toBeInstanceOf(VarnishUnreachableError);
    orphan.close();
  });
});
