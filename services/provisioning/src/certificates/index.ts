export * from './certificate-step';
