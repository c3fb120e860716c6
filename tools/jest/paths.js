// Maps the tsconfig path aliases (@poppy/*) for jest, from tsconfig.base.json (one source).
const path = require('node:path');
const tsconfig = require('../../tsconfig.base.json');

exports.pathsToModuleNameMapper = () => {
  const root = path.resolve(__dirname, '../..');
  const mapper = {};
  for (const [alias, [target]] of Object.entries(tsconfig.compilerOptions.paths)) {
    mapper[`^${alias.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`] = path.join(root, target);
  }
  return mapper;
};
