import * as vscode from 'vscode';
import type { Logger } from '../core/log';

/** Creates the extension's one `LogOutputChannel` ("iX-Haus") and a core {@link Logger} writing to it. */
export function createLog(): { channel: vscode.LogOutputChannel; logger: Logger } {
  const channel = vscode.window.createOutputChannel('iX-Haus', { log: true });
  const logger: Logger = {
    trace: (m) => channel.trace(m),
    debug: (m) => channel.debug(m),
    info: (m) => channel.info(m),
    warn: (m) => channel.warn(m),
    error: (m) => channel.error(m),
  };
  return { channel, logger };
}
