/**
 * `@poppy/provider-kit/testing`: the contract suite (jest) every adapter's integration test
 * runs, and the adapter process it runs against. A separate entry point so that adapters' production bundles never include jest
 * suites; only test code may import it (eslint.config.js). Nothing runs on import.
 */
export {
  defaultContractSpec,
  describeProviderContract,
  type LinkPromise,
  type ProviderContractOptions,
  type ProviderContractTarget,
  type ProviderErrorCase,
} from './provider.contract';
export {
  providerErrorOf,
  startAdapterProcess,
  type AdapterProcess,
  type AdapterProcessOptions,
} from './adapter-process';
