/**
 * gRPC server factory: handlers are plain async functions (request → response) derived
 * from the generated service definition; thrown errors go through the one mapping table
 * (grpc-errors.ts). Every server also serves grpc.health.v1.
 */
import {
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type ServiceDefinition,
  type UntypedServiceImplementation,
  type sendUnaryData,
} from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { isPoppyError } from '@poppy/domain';
import { toGrpcError } from './grpc-errors';
import type { Logger } from './logging';

type RequestOf<M> = M extends { requestDeserialize: (bytes: Buffer) => infer Req } ? Req : never;
type ResponseOf<M> = M extends { responseSerialize: (value: infer Res) => Buffer } ? Res : never;

/** The async handlers of a generated service definition. */
export type UnaryHandlers<D> = {
  [K in keyof D]: (request: RequestOf<D[K]>) => Promise<ResponseOf<D[K]>>;
};

export interface GrpcServiceBinding {
  definition: ServiceDefinition;
  implementation: UntypedServiceImplementation;
}

export function bindUnaryService<D extends ServiceDefinition>(
  definition: D,
  handlers: UnaryHandlers<D>,
  logger: Logger,
): GrpcServiceBinding {
  const implementation: UntypedServiceImplementation = {};
  for (const method of Object.keys(definition) as Array<keyof D & string>) {
    const handler = handlers[method];
    implementation[method] = (
      call: ServerUnaryCall<unknown, unknown>,
      callback: sendUnaryData<unknown>,
    ) => {
      handler(call.request as RequestOf<D[typeof method]>).then(
        (response) => callback(null, response),
        (error: unknown) => {
          if (isPoppyError(error) && error.kind !== 'internal') {
            logger.debug({ method, kind: error.kind, msg: error.message }, 'request rejected');
          } else {
            logger.error({ method, err: error }, 'request failed');
          }
          callback(toGrpcError(error), null);
        },
      );
    };
  }
  return { definition, implementation };
}

export interface RunningGrpcServer {
  readonly port: number;
  readonly health: HealthImplementation;
  stop(): Promise<void>;
}

export async function startGrpcServer(options: {
  host: string;
  port: number;
  services: GrpcServiceBinding[];
  logger: Logger;
}): Promise<RunningGrpcServer> {
  const server = new Server({
    'grpc.max_receive_message_length': 8 * 1024 * 1024,
    'grpc.enable_channelz': 0,
  });
  for (const { definition, implementation } of options.services)
    server.addService(definition, implementation);
  const health = new HealthImplementation({ '': 'SERVING' });
  health.addToServer(server);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      `${options.host}:${options.port}`,
      ServerCredentials.createInsecure(),
      (err, bound) => (err ? reject(err) : resolve(bound)),
    ),
  );
  options.logger.info({ port }, 'gRPC server listening');
  return {
    port,
    health,
    stop: () =>
      new Promise<void>((resolve) => {
        health.setStatus('', 'NOT_SERVING');
        const force = setTimeout(() => server.forceShutdown(), 5000);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
}
