import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeAkamaiStateContract } from '../../store/akamai-state-store.contract';
import { describeCatalogStoreContract } from '../../store/catalog-store.contract';
import { SqliteCatalogStore } from './sqlite-catalog-store';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'poppy-sqlite-contract-'));
let n = 0;

describeCatalogStoreContract(
  'sqlite',
  async () => new SqliteCatalogStore(path.join(dir, `catalog-${n++}.sqlite`)),
);

describeAkamaiStateContract(
  'sqlite',
  async () => new SqliteCatalogStore(path.join(dir, `catalog-${n++}.sqlite`)),
);

describe('SqliteCatalogStore', () => {
  it('keeps its data across a reopen of the file, applying migrations once', async () => {
    const file = path.join(dir, 'reopen.sqlite');
    const first = new SqliteCatalogStore(file);
    await first.setProjectLimit('p', 7);
    await first.close();
    const second = new SqliteCatalogStore(file);
    expect(await second.getProjectLimit('p')).toBe(7);
    await second.close();
  });
});
