/**
 * Entry of the in-host mocha run (the `run()` contract of VS Code's extensionTestsPath). Loads every
 * `*.test.js` beside it and writes passed/failed titles to $VSCODE_HOST_TEST_RESULTS for the runner.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 30000, color: false });
  // IXHAUS_HOST_ENV='{"IXHAUS_HOST_FILES":"mail"}' runs only the files whose name starts with one of the given words
  const only = process.env.IXHAUS_HOST_FILES?.split(',').filter(Boolean);
  for (const file of fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.test.js') && (!only || only.some((o) => f.startsWith(o))))
    .sort())
    mocha.addFile(path.join(__dirname, file));
  const results: { passed: string[]; failed: Array<{ title: string; err: string }> } = { passed: [], failed: [] };
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      const out = process.env.VSCODE_HOST_TEST_RESULTS;
      if (out) fs.writeFileSync(out, JSON.stringify(results));
      if (failures) reject(new Error(`${failures} test(s) failed`));
      else resolve();
    });
    runner.on('pass', (test) => {
      results.passed.push(test.fullTitle());
      console.log(`ok - ${test.fullTitle()}`);
    });
    runner.on('fail', (test, error: unknown) => {
      results.failed.push({ title: test.fullTitle(), err: String(error instanceof Error ? error.message : error) });
      console.log(`not ok - ${test.fullTitle()}: ${String(error)}`);
    });
  });
}
