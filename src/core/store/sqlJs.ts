import * as fs from 'node:fs';
import * as path from 'node:path';
import initSqlJs from 'sql.js';
import type { SqlJsStatic } from 'sql.js';

const WASM_FILE = 'sql-wasm.wasm';
const loaded = new Map<string, Promise<SqlJsStatic>>();

/**
 * Finds sql.js's WebAssembly binary: an explicit path, else `sql-wasm.wasm` beside the running bundle
 * (`dist/`, where esbuild.js copies it), else the one in `node_modules/sql.js/dist` (tests, tools).
 * @throws Error naming the places searched when none exists.
 */
export function locateSqlWasm(explicitPath?: string): string {
  const candidates = explicitPath ? [explicitPath] : [path.join(__dirname, WASM_FILE)];
  if (!explicitPath) {
    try {
      candidates.push(require.resolve(`sql.js/dist/${WASM_FILE}`));
    } catch {
      // not installed as a package: only the bundled copy can serve
    }
  }
  for (const candidate of candidates) {
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error(`sql.js WebAssembly binary not found (looked in ${candidates.join(', ')}). Reinstall the extension.`);
}

/**
 * Loads the sql.js module (the SQLite 3 WebAssembly build pinned in package.json) once per wasm path.
 * The binary is read from disk and handed over as bytes, so no fetch or URL resolution is involved.
 */
export function loadSqlJs(wasmPath?: string): Promise<SqlJsStatic> {
  const file = locateSqlWasm(wasmPath);
  let pending = loaded.get(file);
  if (!pending) {
    const wasmBinary = fs.readFileSync(file);
    pending = initSqlJs({
      wasmBinary: wasmBinary.buffer.slice(
        wasmBinary.byteOffset,
        wasmBinary.byteOffset + wasmBinary.byteLength,
      ) as ArrayBuffer,
    });
    loaded.set(file, pending);
  }
  return pending;
}
