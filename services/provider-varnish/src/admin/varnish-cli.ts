/**
 * A client of varnishd's management interface over TCP (what `varnishadm -T -S` does):
 * one authenticated connection, commands answered strictly in order, a timeout per
 * command, reconnect on the next command after the connection dropped.
 */
import fs from 'node:fs';
import net from 'node:net';
import { authCommand, CLI_STATUS, cliCommand, parseAnswers, type CliAnswer } from './cli-protocol';

export interface VarnishCliOptions {
  host: string;
  port: number;
  /** The `-S` secret file varnishd was started with. */
  secretFile: string;
  /** @default 10000 */
  timeoutMs?: number;
}

/** The management interface refused a command: its status and text. */
export class VarnishCliError extends Error {
  constructor(
    readonly command: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(
      `varnish CLI '${command.split(' ', 1)[0]}' answered ${status}: ${body.trim().split('\n')[0] ?? ''}`,
    );
    this.name = 'VarnishCliError';
  }
}

/** The management interface could not be reached or went silent. */
export class VarnishUnreachableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VarnishUnreachableError';
  }
}

interface Pending {
  resolve(answer: CliAnswer): void;
  reject(error: Error): void;
}

export class VarnishCli {
  private socket?: net.Socket;
  /** The current socket has passed `auth`: commands may be written to it. */
  private ready = false;
  private connecting?: Promise<net.Socket>;
  private buffer: Buffer = Buffer.alloc(0);
  private readonly pending: Pending[] = [];
  private readonly timeoutMs: number;

  constructor(private readonly options: VarnishCliOptions) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** Runs one command; a status other than 200 is a VarnishCliError. */
  async run(verb: string, ...args: string[]): Promise<string> {
    const line = cliCommand(verb, ...args);
    const answer = await this.send(line);
    if (answer.status !== CLI_STATUS.OK)
      throw new VarnishCliError(line, answer.status, answer.body);
    return answer.body;
  }

  close(): void {
    this.drop(new VarnishUnreachableError('varnish CLI client closed'));
  }

  private async send(line: string): Promise<CliAnswer> {
    const socket = await this.connect();
    return this.exchange(socket, line);
  }

  private exchange(socket: net.Socket, line: string | undefined): Promise<CliAnswer> {
    return new Promise<CliAnswer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.drop(
          new VarnishUnreachableError(`varnish CLI did not answer within ${this.timeoutMs} ms`),
        );
      }, this.timeoutMs);
      this.pending.push({
        resolve: (a) => {
          clearTimeout(timer);
          resolve(a);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      if (line !== undefined) socket.write(`${line}\n`);
    });
  }

  private connect(): Promise<net.Socket> {
    if (this.socket && this.ready && !this.socket.destroyed) return Promise.resolve(this.socket);
    this.connecting ??= this.open().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async open(): Promise<net.Socket> {
    const { host, port } = this.options;
    let secret: Buffer;
    try {
      secret = fs.readFileSync(this.options.secretFile);
    } catch (error) {
      throw new VarnishCliError(
        'auth',
        CLI_STATUS.AUTH,
        `cannot read the secret file ${this.options.secretFile}: ${(error as Error).message}`,
      );
    }
    const socket = net.connect({ host, port });
    this.buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    // Only the current connection's events count (a dropped one closes later).
    socket.on('error', (error) => {
      if (this.socket === socket)
        this.drop(
          new VarnishUnreachableError(`varnish CLI ${host}:${port}: ${error.message}`, {
            cause: error,
          }),
        );
    });
    socket.on('close', () => {
      if (this.socket === socket)
        this.drop(new VarnishUnreachableError(`varnish CLI ${host}:${port} closed the connection`));
    });
    this.socket = socket;
    this.ready = false;
    const greeting = await this.exchange(socket, undefined);
    if (greeting.status === CLI_STATUS.AUTH) {
      const answer = await this.exchange(socket, authCommand(greeting.body, secret));
      if (answer.status !== CLI_STATUS.OK) {
        socket.destroy();
        throw new VarnishCliError(
          'auth',
          answer.status,
          `authentication refused (wrong secret file?): ${answer.body}`,
        );
      }
    } else if (greeting.status !== CLI_STATUS.OK) {
      socket.destroy();
      throw new VarnishCliError('connect', greeting.status, greeting.body);
    }
    this.ready = true;
    return socket;
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    let parsed: ReturnType<typeof parseAnswers>;
    try {
      parsed = parseAnswers(this.buffer);
    } catch (error) {
      this.drop(new VarnishUnreachableError((error as Error).message));
      return;
    }
    this.buffer = parsed.rest;
    for (const answer of parsed.answers) this.pending.shift()?.resolve(answer);
  }

  /** Fails everything in flight and forgets the connection (the next command reconnects). */
  private drop(error: Error): void {
    const socket = this.socket;
    this.socket = undefined;
    this.ready = false;
    socket?.destroy();
    for (const p of this.pending.splice(0)) p.reject(error);
  }
}
