/**
 * `ixhaus-admin` — the command-line face of the core, for consultants' scripts (issue "Foundation" §7).
 * Exit codes: 0 ok, 1 refused or failed (message on stderr), 2 usage error. Every verb that prints data
 * offers `--json`.
 */
import { Command, CommanderError } from 'commander';
import { registerAdminCommands } from './adminCommands';
import { registerAuditCommands } from './auditCommands';
import { registerImportCommands } from './importCommands';
import { registerCtiCommands } from './ctiCommands';
import { registerLicenseCommands } from './licenseCommands';
import { registerResponsibleCommands } from './responsibleCommands';
import { registerRightsCommands } from './rightsCommands';
import { registerMailCommands } from './mailCommands';
import { registerServeCommand } from './serveCommand';
import { registerStoreCommands } from './storeCommands';
import { EXIT_FAILED, EXIT_USAGE } from './output';

declare const IXHAUS_VERSION: string | undefined;

/** Builds the command tree. Exported for tests, which run it in-process. */
export function buildProgram(): Command {
  const program = new Command('ixhaus-admin')
    .description('Administration of iX-Haus plus stores from the command line')
    .version(typeof IXHAUS_VERSION === 'string' ? IXHAUS_VERSION : 'dev')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  registerStoreCommands(program);
  registerLicenseCommands(program);
  registerAdminCommands(program);
  registerResponsibleCommands(program);
  registerMailCommands(program);
  registerCtiCommands(program);
  registerRightsCommands(program);
  registerServeCommand(program);
  registerImportCommands(program);
  registerAuditCommands(program);
  return program;
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function runCli(argv: readonly string[]): Promise<number> {
  process.exitCode = 0;
  try {
    await buildProgram().parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? 0 : EXIT_USAGE;
    }
    process.stderr.write(`ixhaus-admin: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_FAILED;
  }
  return Number(process.exitCode ?? 0);
}

if (require.main === module) {
  void runCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
