// Integration tests boot the built processes (dist/). Build once before they run.
const { execFileSync } = require('node:child_process');
const path = require('node:path');

module.exports = async () => {
  if (process.env.POPPY_SKIP_BUILD === '1') return;
  execFileSync(process.execPath, [path.join(__dirname, '../build.js')], { stdio: 'inherit' });
};
