/**
 * Splits a byte stream into lines (LF, an optional CR stripped), buffering a line split across chunks (C28).
 * A line longer than `maxBytes` is dropped whole and reported through `onOverlong` (cti-protocols.md: 512 bytes).
 */
export class LineSplitter {
  private buffer = '';
  private skipping = false;

  constructor(
    private readonly maxBytes: number,
    private readonly onLine: (line: string) => void,
    private readonly onOverlong: (prefix: string) => void,
  ) {}

  push(chunk: Buffer | string): void {
    this.buffer += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    let newline = this.buffer.indexOf('\n');
    while (newline >= 0) {
      const line = this.buffer.slice(0, newline).replace(/\r$/, '');
      this.buffer = this.buffer.slice(newline + 1);
      if (this.skipping) this.skipping = false;
      else if (Buffer.byteLength(line) > this.maxBytes) this.onOverlong(line.slice(0, 40));
      else this.onLine(line);
      newline = this.buffer.indexOf('\n');
    }
    if (Buffer.byteLength(this.buffer) > this.maxBytes) {
      if (!this.skipping) this.onOverlong(this.buffer.slice(0, 40));
      this.skipping = true;
      this.buffer = '';
    }
  }

  /** Forgets a partial line (after a reconnect the rest never comes). */
  reset(): void {
    this.buffer = '';
    this.skipping = false;
  }
}
