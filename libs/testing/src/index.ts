export * from './processes';
export * from './nats-server';
export * from './cassandra';
export * from './moto-server';
export * from './pebble';
