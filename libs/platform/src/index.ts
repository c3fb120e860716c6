export * from './config';
export * from './logging';
export * from './telemetry';
export * from './grpc-errors';
export * from './grpc-server';
export * from './grpc-client';
export * from './shutdown';
export * from './repeat-limiter';
