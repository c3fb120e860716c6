// The Akamai fake for tests (`@poppy/fakes/akamai`); main.ts runs it as a process.
export * from './fake-akamai';
export * from './edgegrid-verifier';
