import { describeDnsDriverContract } from '../dns-driver.contract';
import { ManualDnsDriver } from './manual-driver';

describeDnsDriverContract('manual', async () => ({
  driver: new ManualDnsDriver(),
  lookupCname: async () => undefined,
  lookupTxt: async () => [],
}));
