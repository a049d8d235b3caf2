/**
 * The step report of a mail delivery (connection test, reminders, scheduler alerts; issue 7 §4, issue 17 §2): the
 * result of each SMTP step, the SMTP transcript it is read from (server replies in full, client commands only by
 * their verb, so no credential ever reaches a report or a log) and the text form for the CLI and output channel.
 */
import { format } from 'node:util';
import type { TlsMode } from '../../shared/mail/settings';
import type { MailHint, MailStep } from './classify';

/** The outcome of one step: `reply` is the server's reply (or what happened), `hint` only on failure. */
export interface StepResult {
  readonly step: MailStep;
  readonly status: 'ok' | 'failed' | 'skipped';
  readonly reply: string;
  readonly hint?: MailHint;
  /** the raw error text (details section), when it adds to the reply */
  readonly detail?: string;
}

/** The whole report. `ok` when every step that ran succeeded and DATA was accepted. */
export interface ConnectionTestReport {
  readonly ok: boolean;
  readonly tlsMode: TlsMode;
  readonly steps: readonly StepResult[];
  /** wall time of the whole test, in milliseconds */
  readonly durationMs: number;
  /** TLS protocol and cipher, when encrypted */
  readonly tls?: string;
}

/** One line of the SMTP transcript. */
export interface TranscriptEntry {
  readonly from: 'server' | 'client';
  readonly text: string;
}

/** The SMTP steps of a delivery, in order; every report lists each of them once. */
export const STEPS: readonly MailStep[] = ['TCP', 'TLS', 'AUTH', 'MAIL FROM', 'RCPT TO', 'DATA'];

/** Keeps server replies in full and client commands only by their verb (no arguments: no addresses, no secrets). */
export function transcriptLogger(into: TranscriptEntry[]) {
  const write = (entry: { tnx?: string } | undefined, message: unknown, ...args: unknown[]) => {
    if (!entry || (entry.tnx !== 'server' && entry.tnx !== 'client')) return;
    const line = format(String(message ?? ''), ...args);
    if (entry.tnx === 'server') into.push({ from: 'server', text: line });
    else
      into.push({
        from: 'client',
        text: (/^(MAIL FROM|RCPT TO|AUTH \S+|[A-Z]+)/i.exec(line)?.[1] ?? '(data)').toUpperCase(),
      });
  };
  return { trace: write, debug: write, info: write, warn: write, error: write, fatal: write };
}

/** The server's reply to the last client command whose verb starts with `verb`. */
export function replyTo(transcript: readonly TranscriptEntry[], verb: string): string | undefined {
  for (let i = transcript.length - 1; i >= 0; i--) {
    const entry = transcript[i];
    if (entry?.from === 'client' && entry.text.startsWith(verb)) {
      const next = transcript.slice(i + 1).find((e) => e.from === 'server');
      return next?.text;
    }
  }
  return undefined;
}

/** Formats a report as text lines (CLI, output channel): one line per step, the hint indented below a failure. */
export function formatReport(
  report: ConnectionTestReport,
  translate: (template: string, args: readonly (string | number)[]) => string,
): string {
  const lines: string[] = [];
  for (const step of report.steps) {
    const mark = step.status === 'ok' ? 'ok     ' : step.status === 'failed' ? 'FAILED ' : 'skipped';
    lines.push(`${mark} ${step.step.padEnd(9)} ${step.reply.split('\n').join(' | ')}`.trimEnd());
    if (step.hint) lines.push(`        → ${translate(step.hint.template, step.hint.args)}`);
    if (step.detail) lines.push(`        (${step.detail.split('\n')[0]})`);
  }
  lines.push(`${report.ok ? 'test mail sent' : 'test failed'} (${report.tlsMode}, ${report.durationMs} ms)`);
  return `${lines.join('\n')}\n`;
}
