/**
 * The text encoding of a CSV file as German offices write them (issue 22 "Files"): UTF-8 with BOM (Excel "CSV UTF-8"),
 * UTF-8 without BOM (other tools), Windows-1252 (Excel "CSV (Trennzeichen-getrennt)" on a German Windows), UTF-16 with
 * BOM (Excel "Unicode-Text"). Detection: a byte order mark decides (Unicode §23.8); otherwise text that is valid UTF-8
 * (RFC 3629) is UTF-8, anything else Windows-1252. Decoding other than UTF-8 goes through iconv-lite.
 */
import * as iconv from 'iconv-lite';
import type { TextEncodingName } from './importTypes';
import { ImportEncodingError } from './importErrors';

/** The encoding chosen for a file. */
export interface EncodingChoice {
  readonly name: TextEncodingName;
  readonly how: 'bom' | 'detected' | 'given';
  /** bytes of byte order mark to skip at the start */
  readonly bomBytes: number;
}

/** Names accepted by `--encoding` besides any name iconv-lite knows; mapped to the canonical name. */
const ENCODING_ALIASES: Readonly<Record<string, string>> = {
  utf8: 'utf-8',
  'utf-8': 'utf-8',
  cp1252: 'windows-1252',
  'windows-1252': 'windows-1252',
  win1252: 'windows-1252',
  ansi: 'windows-1252',
  latin1: 'latin1',
  'iso-8859-1': 'latin1',
  'iso-8859-15': 'iso-8859-15',
  latin9: 'iso-8859-15',
  utf16le: 'utf-16le',
  'utf-16le': 'utf-16le',
  utf16: 'utf-16le',
  'utf-16': 'utf-16le',
  utf16be: 'utf-16be',
  'utf-16be': 'utf-16be',
  cp850: 'cp850',
};

/**
 * Index of the first byte that is not valid UTF-8 (RFC 3629: no overlongs, no surrogates, ≤ U+10FFFF), or -1.
 * With `truncatedEndOk` a sequence cut off by the end of `bytes` counts as valid (a sample of a longer file).
 */
export function firstInvalidUtf8(bytes: Uint8Array, truncatedEndOk = false): number {
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    const b = bytes[i] ?? 0;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) [need, min] = [1, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [need, min] = [2, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [need, min] = [3, 0x10000];
    else return i;
    if (i + need >= n) {
      // fewer continuation bytes left than needed
      if (truncatedEndOk) {
        for (let k = i + 1; k < n; k++) if (((bytes[k] ?? 0) & 0xc0) !== 0x80) return i;
        return -1;
      }
      return i;
    }
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k] ?? 0;
      if ((c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

/** Canonical encoding name for a `--encoding` value; throws {@link ImportEncodingError} for an unknown one. */
export function canonicalEncoding(given: string): string {
  const key = given.trim().toLowerCase();
  const name = ENCODING_ALIASES[key] ?? key;
  if (name !== 'utf-8' && !iconv.encodingExists(name)) throw ImportEncodingError.unknown(given);
  return name;
}

/**
 * Chooses the encoding of a CSV file from its first bytes (`head`, a sample; `complete` when it is the whole file)
 * or from `given` (`--encoding`). A BOM is skipped also when an encoding is given.
 */
export function chooseEncoding(head: Uint8Array, complete: boolean, given?: string): EncodingChoice {
  const bom: [TextEncodingName, number] | undefined =
    head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf
      ? ['utf-8-bom', 3]
      : head[0] === 0xff && head[1] === 0xfe
        ? ['utf-16le', 2]
        : head[0] === 0xfe && head[1] === 0xff
          ? ['utf-16be', 2]
          : undefined;
  if (given !== undefined && given.trim() !== '') {
    const name = canonicalEncoding(given);
    const skip = bom && (bom[0] === 'utf-8-bom' ? name === 'utf-8' : bom[0] === name) ? bom[1] : 0;
    return { name, how: 'given', bomBytes: skip };
  }
  if (bom) return { name: bom[0], how: 'bom', bomBytes: bom[1] };
  const valid = firstInvalidUtf8(head, !complete) === -1;
  return { name: valid ? 'utf-8' : 'windows-1252', how: 'detected', bomBytes: 0 };
}

/** Raised inside decoding when text detected as UTF-8 turns out not to be; the reader then starts over. */
export class NotUtf8AfterAll extends Error {
  constructor(readonly line: number) {
    super(`not valid UTF-8 at line ${line}`);
  }
}

/**
 * Decodes a byte stream as text in chunks (streaming: a multi-byte character split between chunks is kept whole).
 * UTF-8 is decoded strictly: invalid bytes throw {@link NotUtf8AfterAll} when the encoding was detected (the caller
 * retries as Windows-1252) and {@link ImportEncodingError} when it was given.
 */
export async function* decodeText(
  file: string,
  chunks: AsyncIterable<Buffer>,
  choice: EncodingChoice,
): AsyncGenerator<string> {
  let skip = choice.bomBytes;
  const utf8 = choice.name === 'utf-8' || choice.name === 'utf-8-bom';
  const decoder = utf8 ? new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }) : undefined;
  const iconvDecoder = utf8 ? undefined : iconv.getDecoder(choice.name === 'utf-16be' ? 'utf-16be' : choice.name);
  let lines = 1;
  let carry: Uint8Array = new Uint8Array(0);
  for await (const raw of chunks) {
    let chunk: Buffer = raw;
    if (skip > 0) {
      const n = Math.min(skip, chunk.length);
      chunk = chunk.subarray(n);
      skip -= n;
    }
    if (chunk.length === 0) continue;
    if (decoder) {
      let text: string;
      try {
        text = decoder.decode(chunk, { stream: true });
      } catch {
        // locate the bad byte for the message: lines before it in this chunk (plus a sequence carried over)
        const joined = Buffer.concat([carry, chunk]);
        const at = Math.max(0, firstInvalidUtf8(joined, true));
        let line = lines;
        for (let k = 0; k < at; k++) if (joined[k] === 0x0a) line++;
        if (choice.how === 'given') throw ImportEncodingError.invalidUtf8(file, line);
        throw new NotUtf8AfterAll(line);
      }
      for (let k = 0; k < chunk.length; k++) if (chunk[k] === 0x0a) lines++;
      carry = chunk.subarray(Math.max(0, chunk.length - 3));
      if (text) yield text;
    } else if (iconvDecoder) {
      const text = iconvDecoder.write(chunk);
      if (text) yield text;
    }
  }
  if (decoder) {
    let rest: string;
    try {
      rest = decoder.decode();
    } catch {
      if (choice.how === 'given') throw ImportEncodingError.invalidUtf8(file, lines);
      throw new NotUtf8AfterAll(lines);
    }
    if (rest) yield rest;
  } else if (iconvDecoder) {
    const rest = iconvDecoder.end();
    if (rest) yield rest;
  }
}
