/**
 * @poppy/domain: the service model and its rules (validation, normalisation, PATCH,
 * status, response bodies), as pure functions without I/O. Behaviour follows
 * docs/behaviour.md; section numbers in comments point there.
 */
export * from './model';
export * from './errors';
export * from './python-repr';
export * from './domain-names';
export * from './geo-zones';
export * from './geo-codes';
export * from './schemas';
export * from './schema-errors';
export * from './service-validation';
export * from './service-normalisation';
export * from './service-patch';
export * from './status';
export * from './representation';
export * from './flavor-validation';
export * from './request-params';
