import fs from 'node:fs';
import { serveProviderProcess } from '@poppy/provider-kit';
import type { Logger, Shutdown } from '@poppy/platform';
import type { ProviderMockConfig } from './config';
import { parseFaultsJson } from './faults';
import { NO_JOURNAL, openJournal } from './journal';
import { MockDriver } from './mock-driver';

/** Re-reads the faults file; a bad file is logged and the faults in force stay. */
export function reloadFaults(driver: MockDriver, file: string, logger: Logger): boolean {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    logger.error({ file, err }, 'cannot read the faults file; faults unchanged');
    return false;
  }
  const { faults, problems } = parseFaultsJson(text);
  if (!faults) {
    logger.error({ file, problems }, 'invalid faults file; faults unchanged');
    return false;
  }
  driver.setFaults(faults);
  logger.warn({ file, faults }, 'faults reloaded');
  return true;
}

export async function startProviderMock(
  config: ProviderMockConfig,
  logger: Logger,
  shutdown: Shutdown,
): Promise<void> {
  const journal = config.journalFile ? openJournal(config.journalFile) : NO_JOURNAL;
  shutdown.add('journal', () => journal.close());
  const driver = new MockDriver({
    providerName: config.providerName,
    faults: config.faults,
    journal,
  });
  if (config.faultsFile) {
    const file = config.faultsFile;
    if (fs.existsSync(file)) reloadFaults(driver, file, logger);
    process.on('SIGUSR2', () => reloadFaults(driver, file, logger));
  }
  await serveProviderProcess(driver, {
    name: 'provider-mock',
    host: config.host,
    port: config.port,
    logger,
    shutdown,
    readyFields: { faults: driver.currentFaults(), journal: config.journalFile },
  });
}
