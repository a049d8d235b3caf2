// For desktop VS Code with @vscode/test-cli (`npx vscode-test`), wherever VS Code can be downloaded. This project's
// offline machines run the same suite in code-server instead: `npm run test:host`.
// Build the suite first: `node esbuild.js --host-tests`.
import { defineConfig } from '@vscode/test-cli';

export default defineConfig({
  files: 'out/test/host/*.test.js',
  version: '1.100.3',
  mocha: { ui: 'bdd', timeout: 30000 },
});
