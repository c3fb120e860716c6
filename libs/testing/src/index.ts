export * from './processes';
export * from './nats-server';
export * from './cassandra';
export * from './moto-server';
export * from './varnish';
export * from './pebble';
export * from './powerdns';
export * from './poppy-api';
