import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { DEMO_ADMIN_LOGIN, DEMO_HAUPTBENUTZER_LOGIN, DEMO_PASSWORD, generateDemoData } from '../src/core/demo/demoData';
import { Store } from '../src/core/store/database';
import { signIn } from '../src/core/users/auth';
import type { Actor } from '../src/core/access/rights';

/** Creates a fresh temporary folder for one test and returns its path; `cleanup` removes it. */
export async function tempDir(prefix = 'ixhaus-test-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rm(dir, { recursive: true, force: true }) };
}

/** A small in-memory demo store with the admin and the Hauptbenutzer signed in (unit tests of core services). */
export async function smallDemoStore(): Promise<{ store: Store; admin: Actor; haupt: Actor }> {
  const store = await Store.inMemory();
  await generateDemoData(store, { sizes: { persons: 10, creditors: 3, owners: 3, objects: 3 } });
  return { store, admin: await signIn(store, DEMO_ADMIN_LOGIN, DEMO_PASSWORD), haupt: await signIn(store, DEMO_HAUPTBENUTZER_LOGIN, DEMO_PASSWORD) };
}

/** Runs the built CLI (dist/cli.js, the artifact users run) with extra environment variables. */
export function runBuiltCli(args: readonly string[], env: Record<string, string> = {}): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [path.join(__dirname, '..', 'dist', 'cli.js'), ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}
