/**
 * gRPC client factory: a promise-returning client derived from a generated service
 * definition. Every call carries a deadline; errors come back as PoppyError (via the
 * one mapping table), so callers never see transport error types.
 */
import {
  credentials,
  makeGenericClientConstructor,
  Metadata,
  type Client,
  type ServiceDefinition,
  type ServiceError,
} from '@grpc/grpc-js';
import { fromGrpcError } from './grpc-errors';

type RequestOf<M> = M extends { requestSerialize: (value: infer Req) => Buffer } ? Req : never;
type ResponseOf<M> = M extends { responseDeserialize: (bytes: Buffer) => infer Res } ? Res : never;

export interface CallOptions {
  deadlineMs?: number;
  metadata?: Metadata;
}

export type PromiseClient<D> = {
  [K in keyof D]: (request: RequestOf<D[K]>, options?: CallOptions) => Promise<ResponseOf<D[K]>>;
} & { close(): void };

type CallbackMethod = (
  request: unknown,
  metadata: Metadata,
  options: { deadline: number },
  callback: (error: ServiceError | null, response: unknown) => void,
) => void;

export function createPromiseClient<D extends ServiceDefinition>(
  definition: D,
  address: string,
  options: { deadlineMs: number },
): PromiseClient<D> {
  const Ctor = makeGenericClientConstructor(definition, 'poppy');
  const client: Client = new Ctor(address, credentials.createInsecure(), {
    // Reconnect quickly after a restart of the callee; calls fail fast within their deadline.
    'grpc.initial_reconnect_backoff_ms': 100,
    'grpc.max_reconnect_backoff_ms': 2000,
    // Channelz bookkeeping and transparent retries cost CPU on every call; our callers retry
    // through the job queue and breakers instead.
    'grpc.enable_channelz': 0,
    'grpc.enable_retries': 0,
  });
  const methods = client as unknown as Record<string, CallbackMethod>;
  const promised: Record<string, unknown> = { close: () => client.close() };
  for (const name of Object.keys(definition)) {
    promised[name] = (request: unknown, call: CallOptions = {}) =>
      new Promise((resolve, reject) => {
        const deadline = Date.now() + (call.deadlineMs ?? options.deadlineMs);
        methods[name].call(
          client,
          request,
          call.metadata ?? new Metadata(),
          { deadline },
          (err, res) => (err ? reject(fromGrpcError(err)) : resolve(res)),
        );
      });
  }
  return promised as PromiseClient<D>;
}
