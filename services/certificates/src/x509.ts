/**
 * The one import of @peculiar/x509 in this service: the library needs a Reflect metadata
 * polyfill loaded before it (its README, "Reflect Polyfill Required").
 */
import 'reflect-metadata';
export * from '@peculiar/x509';
