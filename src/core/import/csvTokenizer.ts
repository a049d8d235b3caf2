/**
 * A streaming CSV tokenizer with the rules of RFC 4180 as Excel applies them (issue 22 "quoted fields with line
 * breaks"): a field that starts with `"` is quoted, `""` inside it is one quote, line breaks inside it belong to the
 * field (CRLF read as LF); a quote inside an unquoted field is kept as a character (Excel does the same); records end
 * at CRLF, LF or a lone CR. Delimiters: any one character (`;` German Excel, `,`, tab).
 *
 * Own code instead of csv-parse because of error recovery: csv-parse (7.0.3) with `skip_records_with_error` stays in
 * its quoted state after a record with text behind a closing quote and swallows the following good rows; the import
 * must report each broken row (row, line, column, reason) and still read every other row. A broken record is
 * dropped up to the end of the physical line where the problem is, and reading goes on there. A quote that is never
 * closed (or a record longer than {@link MAX_RECORD_CHARS}) is reported at the line where it opened, and reading
 * goes on with the next line.
 */
import { msg } from '../errors';
import type { ImportMessage } from './importTypes';

/** Longest record accepted, in characters; a longer one is almost always a quote that is never closed. */
export const MAX_RECORD_CHARS = 1_000_000;

/** One record of a CSV file. */
export interface CsvRecord {
  /** 1-based record number (= the row number Excel shows when it opens the file) */
  readonly row: number;
  /** 1-based physical line where the record starts */
  readonly line: number;
  /** the fields; empty when the record is broken */
  readonly fields: readonly string[];
  /** set when the record is broken: the reason and the 0-based field index where it was found */
  readonly error?: { readonly message: ImportMessage; readonly fieldIndex: number };
}

type Parsed =
  | { readonly kind: 'record'; readonly fields: string[]; readonly end: number }
  | { readonly kind: 'incomplete' }
  | { readonly kind: 'broken'; readonly message: ImportMessage; readonly fieldIndex: number; readonly resume: number };

const LF = 10;
const CR = 13;
const QUOTE = 34;

/** Streaming tokenizer: feed decoded text with {@link push}, then call {@link end}. */
export class CsvTokenizer {
  private pending = '';
  private row = 0;
  private line: number;
  private readonly delim: number;

  /** @param startLine physical line number of the first line fed (2 when a `sep=` line was taken off) */
  constructor(delimiter: string, startLine = 1) {
    if (delimiter.length !== 1) throw new RangeError('the delimiter must be one character');
    this.delim = delimiter.charCodeAt(0);
    this.line = startLine;
  }

  /** Adds text; returns the records completed by it. */
  push(text: string): CsvRecord[] {
    this.pending += text;
    return this.drain(false);
  }

  /** Ends the input; returns the remaining records (a last line without line break is a record). */
  end(): CsvRecord[] {
    return this.drain(true);
  }

  private drain(final: boolean): CsvRecord[] {
    const out: CsvRecord[] = [];
    const s = this.pending;
    let p = 0;
    while (p < s.length) {
      const parsed = this.parseRecord(s, p, final);
      if (parsed.kind === 'incomplete') {
        if (s.length - p <= MAX_RECORD_CHARS) break;
        // a quote that is never closed within the record limit: report and go on after the record's first line
        const resume = nextLineStart(s, p);
        out.push(this.broken(s, p, resume, unclosedQuote(s, p, this.delim)));
        p = resume;
        continue;
      }
      if (parsed.kind === 'broken') {
        out.push(this.broken(s, p, parsed.resume, { message: parsed.message, fieldIndex: parsed.fieldIndex }));
        p = parsed.resume;
        continue;
      }
      this.row++;
      out.push({ row: this.row, line: this.line, fields: parsed.fields });
      this.line += countLineBreaks(s, p, parsed.end);
      p = parsed.end;
    }
    this.pending = s.slice(p);
    if (final && this.pending !== '') {
      // only an unclosed quote is left at the end of the input
      const rest = this.pending;
      this.pending = '';
      const resume = nextLineStart(rest, 0);
      out.push(this.broken(rest, 0, resume, unclosedQuote(rest, 0, this.delim)));
      this.pending = rest.slice(resume);
      out.push(...this.drain(true));
    }
    return out;
  }

  private broken(
    s: string,
    start: number,
    resume: number,
    error: { message: ImportMessage; fieldIndex: number },
  ): CsvRecord {
    this.row++;
    const record: CsvRecord = { row: this.row, line: this.line, fields: [], error };
    this.line += countLineBreaks(s, start, resume);
    return record;
  }

  /** Parses one record starting at `p`. */
  private parseRecord(s: string, start: number, final: boolean): Parsed {
    const fields: string[] = [];
    const d = this.delim;
    let p = start;
    for (;;) {
      if (p < s.length && s.charCodeAt(p) === QUOTE) {
        let value = '';
        let q = p + 1;
        let next: number;
        for (;;) {
          const j = s.indexOf('"', q);
          if (j < 0) return { kind: 'incomplete' };
          value += s.slice(q, j);
          if (j + 1 >= s.length && !final) return { kind: 'incomplete' };
          if (s.charCodeAt(j + 1) === QUOTE) {
            value += '"';
            q = j + 2;
            continue;
          }
          next = j + 1;
          break;
        }
        fields.push(value.includes('\r') ? value.replace(/\r\n?/g, '\n') : value);
        if (next >= s.length) return { kind: 'record', fields, end: next };
        const c = s.charCodeAt(next);
        if (c === d) {
          p = next + 1;
          continue;
        }
        if (c === LF || c === CR) return this.endOfRecord(s, next, fields, final);
        return {
          kind: 'broken',
          message: {
            code: 'csv-text-after-quote',
            template: msg(
              'Characters after the closing quote of a quoted field ({0}). Inside a quoted field write a quote as two quotes (""), or remove the stray quote.',
            ),
            args: [s.slice(next, Math.min(s.length, next + 10)).split(/[\r\n]/)[0] ?? ''],
          },
          fieldIndex: fields.length - 1,
          resume: nextLineStart(s, next),
        };
      }
      let k = p;
      while (k < s.length) {
        const c = s.charCodeAt(k);
        if (c === d || c === LF || c === CR) break;
        k++;
      }
      if (k >= s.length && !final) return { kind: 'incomplete' };
      fields.push(s.slice(p, k));
      if (k >= s.length) return { kind: 'record', fields, end: k };
      if (s.charCodeAt(k) === d) {
        p = k + 1;
        continue;
      }
      return this.endOfRecord(s, k, fields, final);
    }
  }

  /** Consumes the line break at `k` (CRLF, LF or CR). */
  private endOfRecord(s: string, k: number, fields: string[], final: boolean): Parsed {
    if (s.charCodeAt(k) === CR) {
      if (k + 1 >= s.length && !final) return { kind: 'incomplete' };
      return { kind: 'record', fields, end: s.charCodeAt(k + 1) === LF ? k + 2 : k + 1 };
    }
    return { kind: 'record', fields, end: k + 1 };
  }
}

/** The reason for a quote that is never closed, with the field where it opened. */
function unclosedQuote(s: string, start: number, delim: number): { message: ImportMessage; fieldIndex: number } {
  // the field index of the opening quote: delimiters before the first quote on the record's first line
  let fieldIndex = 0;
  for (let k = start; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c === QUOTE || c === LF || c === CR) break;
    if (c === delim) fieldIndex++;
  }
  return {
    message: {
      code: 'csv-quote-not-closed',
      template: msg(
        'A quoted field starts here but its closing quote is missing. Add the closing quote ("), or remove the opening one.',
      ),
      args: [],
    },
    fieldIndex,
  };
}

/** Index just after the next line break at or after `from` (CRLF, LF or CR), or the end of `s`. */
function nextLineStart(s: string, from: number): number {
  for (let k = from; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c === LF) return k + 1;
    if (c === CR) return s.charCodeAt(k + 1) === LF ? k + 2 : k + 1;
  }
  return s.length;
}

/** Physical line breaks in `s[from, to)` (CRLF counts once). */
function countLineBreaks(s: string, from: number, to: number): number {
  let n = 0;
  for (let k = from; k < to; k++) {
    const c = s.charCodeAt(k);
    if (c === LF) n++;
    else if (c === CR && s.charCodeAt(k + 1) !== LF) n++;
  }
  return n;
}

/** Candidates of {@link detectDelimiter}, in the order of preference on a tie (German Excel first). */
export const DELIMITER_CANDIDATES = [';', ',', '\t', '|'] as const;

/**
 * Detects the delimiter from the first part of a file (`sample`, decoded text; issue 22: own detection because
 * csv-parse's `delimiter_auto` throws on non-ASCII input): each candidate is tokenised (quotes respected) over the
 * first 50 non-empty records; the one whose field count is the same in most records wins, then the one with more
 * fields, then `;` before `,` before tab. Undefined when no candidate gives 2 or more fields (a single column).
 */
export function detectDelimiter(sample: string): string | undefined {
  let best: { char: string; consistency: number; fields: number } | undefined;
  for (const char of DELIMITER_CANDIDATES) {
    const tokenizer = new CsvTokenizer(char);
    const records = tokenizer
      .push(sample)
      .filter((r) => !r.error && !(r.fields.length === 1 && r.fields[0]?.trim() === ''))
      .slice(0, 50);
    if (records.length === 0) continue;
    const counts = new Map<number, number>();
    for (const r of records) counts.set(r.fields.length, (counts.get(r.fields.length) ?? 0) + 1);
    let mode = 0;
    let modeCount = 0;
    for (const [fields, count] of counts) {
      if (count > modeCount || (count === modeCount && fields > mode)) [mode, modeCount] = [fields, count];
    }
    if (mode < 2) continue;
    const consistency = modeCount / records.length;
    if (
      !best ||
      consistency > best.consistency + 1e-9 ||
      (Math.abs(consistency - best.consistency) <= 1e-9 && mode > best.fields)
    )
      best = { char, consistency, fields: mode };
  }
  return best?.char;
}
