/**
 * The layer rule of eslint.config.js, run through ESLint's Node API on source text placed
 * as if it were a file of a given project: an import that breaks a layer must be reported,
 * and an allowed one must not (so the rule cannot pass by being skipped or by refusing all).
 */
import path from 'node:path';
import { createProjectGraphAsync } from '@nx/devkit';
import { ESLint, type Linter } from 'eslint';

const root = path.resolve(__dirname, '../..');
const BOUNDARY_RULE = '@nx/enforce-module-boundaries';

let eslint: ESLint;

beforeAll(async () => {
  // Without a cached project graph the Nx rule skips itself silently: build it first.
  await createProjectGraphAsync({ exitOnError: false });
  // The config is handed over as loaded (ESLint's own loader needs ESM dynamic import, which
  // jest's CommonJS runtime lacks); it is the same array `npx eslint` reads.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const config = require('../../eslint.config.js') as Linter.Config[];
  eslint = new ESLint({ cwd: root, overrideConfigFile: true, overrideConfig: config });
}, 120_000);

/** The messages ESLint reports for `code` as the file `file` (relative to the repo root). */
async function lint(file: string, code: string): Promise<Linter.LintMessage[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return result.messages;
}

const rules = (messages: Linter.LintMessage[]) => messages.map((m) => m.ruleId);

describe('eslint.config.js layer boundaries', () => {
  it('reports the domain importing the platform (domain depends on nothing)', async () => {
    // platform imports domain, so the rule names it a cycle; a lint error all the same.
    const messages = await lint(
      'libs/domain/src/boundary-fixture.ts',
      "import { readCommonConfig } from '@poppy/platform';\nexport const f = readCommonConfig;\n",
    );
    expect(rules(messages)).toEqual([BOUNDARY_RULE]);
  });

  it('reports the domain importing a kit, naming the layer rule', async () => {
    const messages = await lint(
      'libs/domain/src/boundary-fixture.ts',
      "import { backoffDelayMs } from '@poppy/resilience';\nexport const b = backoffDelayMs;\n",
    );
    expect(rules(messages)).toEqual([BOUNDARY_RULE]);
    expect(messages[0].message).toMatch(/tagged with "layer:domain" cannot depend on/);
  });

  it('reports a test file in a lib breaking its layer (contracts importing a kit)', async () => {
    const messages = await lint(
      'libs/contracts/src/boundary-fixture.spec.ts',
      "import { backoffDelayMs } from '@poppy/resilience';\nexport const b = backoffDelayMs;\n",
    );
    expect(rules(messages)).toEqual([BOUNDARY_RULE]);
    expect(messages[0].message).toMatch(/tagged with "layer:contracts" can only depend on/);
  });

  it('reports one kit importing another (resilience → provider-kit)', async () => {
    const messages = await lint(
      'libs/resilience/src/boundary-fixture.ts',
      "import { ProviderError } from '@poppy/provider-kit';\nexport const e = ProviderError;\n",
    );
    expect(rules(messages)).toEqual([BOUNDARY_RULE]);
  });

  it('reports production code importing libs/testing, and allows it in a spec', async () => {
    const code = "import { startProcess } from '@poppy/testing';\nexport const s = startProcess;\n";
    expect(rules(await lint('services/provider-mock/src/boundary-fixture.ts', code))).toEqual([
      BOUNDARY_RULE,
    ]);
    expect(await lint('services/provider-mock/src/boundary-fixture.spec.ts', code)).toEqual([]);
  });

  it("reports production code importing a lib's test-only entry point", async () => {
    const code =
      "import { describeProviderContract } from '@poppy/provider-kit/testing';\nexport const d = describeProviderContract;\n";
    expect(rules(await lint('services/provider-mock/src/boundary-fixture.ts', code))).toEqual([
      'no-restricted-imports',
    ]);
    expect(await lint('services/provider-mock/test/boundary-fixture.int-spec.ts', code)).toEqual(
      [],
    );
  });

  it('reports a service importing another service', async () => {
    const messages = await lint(
      'services/provider-mock/src/boundary-fixture.ts',
      "import { VarnishDriver } from '../../provider-varnish/src/varnish-driver';\nexport const v = VarnishDriver;\n",
    );
    expect(rules(messages)).toEqual([BOUNDARY_RULE]);
  });

  it('allows a service to use the kits and the layers below them', async () => {
    const messages = await lint(
      'services/provider-mock/src/boundary-fixture.ts',
      [
        "import { ProviderError } from '@poppy/provider-kit';",
        "import { CircuitBreakers } from '@poppy/resilience';",
        "import type { Logger } from '@poppy/platform';",
        "import type { commonV1 } from '@poppy/contracts';",
        "import { isValidDomainName } from '@poppy/domain';",
        'export type T = [Logger, commonV1.ServiceSpec];',
        'export const all = [ProviderError, CircuitBreakers, isValidDomainName];',
        '',
      ].join('\n'),
    );
    expect(messages).toEqual([]);
  });
});
