/**
 * Reads a CSV file as rows of text cells, streamed (issue 22 "Files": `;`, `,` or tab; UTF-8 with or without BOM,
 * Windows-1252, UTF-16; quoted fields with line breaks; "stream large files"). The encoding and the delimiter are
 * detected (or given) from the first {@link SAMPLE_BYTES} bytes, and what was chosen is reported.
 *
 * An Excel `sep=;` first line (Excel writes and honours it) sets the delimiter and is not a row.
 */
import * as fs from 'node:fs';
import * as iconv from 'iconv-lite';
import type { SheetRow, SourceInfo } from './importTypes';
import { CsvTokenizer, detectDelimiter } from './csvTokenizer';
import type { EncodingChoice } from './textDecoding';
import { chooseEncoding, decodeText } from './textDecoding';
import { ImportDelimiterError } from './importErrors';

/** Bytes read for detecting the encoding and the delimiter. */
export const SAMPLE_BYTES = 64 * 1024;
/** Bytes per read while streaming. */
const CHUNK_BYTES = 256 * 1024;

/** Options of {@link openCsv} (the CLI's `--delimiter`, `--encoding`). */
export interface CsvOptions {
  /** `;`, `,`, `tab` (or a tab character), `|`, or any one character; undefined = detect */
  readonly delimiter?: string;
  /** an encoding name (`utf-8`, `cp1252`, `latin1`, `utf-16le`, any iconv-lite name); undefined = detect */
  readonly encoding?: string;
}

/** An opened CSV file: what was detected, and its rows (read once, streamed). */
export interface CsvSource {
  readonly encoding: NonNullable<SourceInfo['encoding']>;
  readonly delimiter: NonNullable<SourceInfo['delimiter']>;
  readonly rows: AsyncIterable<SheetRow>;
}

/** The delimiter character of a `--delimiter` value; throws {@link ImportDelimiterError}. */
export function delimiterOption(value: string): string {
  const v = value.toLowerCase();
  if (v === 'tab' || v === '\\t' || value === '\t') return '\t';
  if (v === 'semicolon') return ';';
  if (v === 'comma') return ',';
  if (value.length !== 1 || value === '"' || value === '\n' || value === '\r') throw new ImportDelimiterError(value);
  return value;
}

/**
 * Opens a CSV file: chooses encoding and delimiter from `head` (the first bytes of the file) and `options`, and
 * returns the rows as an async iterable that streams the file. Row numbers are record numbers (as Excel shows
 * them); empty lines are rows with no cells.
 * @param forceEncoding used by the import reader to start over as Windows-1252 when text detected as UTF-8 turns
 *   out not to be (textDecoding.ts `NotUtf8AfterAll`)
 */
export function openCsv(
  file: string,
  head: Buffer,
  bytes: number,
  options: CsvOptions,
  forceEncoding?: EncodingChoice,
): CsvSource {
  const choice = forceEncoding ?? chooseEncoding(head, head.length >= bytes, options.encoding);
  const sample = decodeSample(head.subarray(choice.bomBytes), choice.name);
  const sep = /^sep=(.)\r?\n/i.exec(sample);
  let delimiter: CsvSource['delimiter'];
  if (options.delimiter !== undefined && options.delimiter !== '')
    delimiter = { char: delimiterOption(options.delimiter), how: 'given' };
  else if (sep?.[1]) delimiter = { char: sep[1], how: 'sep-line' };
  else {
    const detected = detectDelimiter(sample);
    delimiter = detected ? { char: detected, how: 'detected' } : { char: ';', how: 'single-column' };
  }
  const skipSepLine = sep !== null;
  const rows = readRows(file, choice, delimiter.char, skipSepLine);
  return { encoding: { name: choice.name, how: choice.how }, delimiter, rows };
}

function decodeSample(bytes: Uint8Array, encoding: string): string {
  if (encoding === 'utf-8' || encoding === 'utf-8-bom') return new TextDecoder('utf-8').decode(bytes);
  return iconv.decode(Buffer.from(bytes), encoding);
}

async function* readRows(
  file: string,
  choice: EncodingChoice,
  delimiter: string,
  skipSepLine: boolean,
): AsyncGenerator<SheetRow> {
  const stream = fs.createReadStream(file, { highWaterMark: CHUNK_BYTES });
  let tokenizer: CsvTokenizer | undefined = skipSepLine ? undefined : new CsvTokenizer(delimiter);
  let prefix = '';
  try {
    for await (const text of decodeText(file, stream as AsyncIterable<Buffer>, choice)) {
      if (!tokenizer) {
        // take off the `sep=` line before tokenising
        prefix += text;
        const lineEnd = prefix.search(/\r?\n/);
        if (lineEnd < 0) continue;
        const breakLength = prefix[lineEnd] === '\r' ? 2 : 1;
        tokenizer = new CsvTokenizer(delimiter, 2);
        yield* toRows(tokenizer.push(prefix.slice(lineEnd + breakLength)));
        continue;
      }
      yield* toRows(tokenizer.push(text));
    }
    if (tokenizer) yield* toRows(tokenizer.end());
  } finally {
    stream.destroy();
  }
}

function* toRows(records: ReturnType<CsvTokenizer['push']>): Generator<SheetRow> {
  for (const r of records) {
    if (r.error) {
      yield {
        row: r.row,
        line: r.line,
        cells: [],
        broken: { message: r.error.message, columnIndex: r.error.fieldIndex },
      };
      continue;
    }
    const cells = r.fields.map((f) => (f === '' ? null : { type: 'text' as const, text: f }));
    yield { row: r.row, line: r.line, cells: cells.length === 1 && cells[0] === null ? [] : cells };
  }
}
