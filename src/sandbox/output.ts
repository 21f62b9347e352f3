// What the sandbox prints: short headed stages, one line per notable change, times relative to a start.
import type { Writable } from 'node:stream';

export type Tone = 'plain' | 'good' | 'bad' | 'warn' | 'dim' | 'bold';

const CODES: Record<Exclude<Tone, 'plain'>, [number, number]> = {
  good: [32, 39],
  bad: [31, 39],
  warn: [33, 39],
  dim: [2, 22],
  bold: [1, 22],
};

export interface OutputOptions {
  stream?: Writable & { isTTY?: boolean };
  /** Colour on a terminal unless NO_COLOR is set. */
  color?: boolean;
}

export class Output {
  readonly #stream: Writable;
  readonly #color: boolean;
  #origin = Date.now();

  constructor(options: OutputOptions = {}) {
    const stream = options.stream ?? process.stdout;
    this.#stream = stream;
    this.#color = options.color ?? (Boolean((stream as { isTTY?: boolean }).isTTY) && !process.env.NO_COLOR);
  }

  /** Times printed by `event` count from here. */
  resetClock(at = Date.now()): void {
    this.#origin = at;
  }

  paint(tone: Tone, text: string): string {
    if (!this.#color || tone === 'plain') return text;
    const [on, off] = CODES[tone];
    return `\u001b[${on}m${text}\u001b[${off}m`;
  }

  write(text = ''): void {
    this.#stream.write(`${text}\n`);
  }

  stage(title: string): void {
    this.write();
    this.write(this.paint('bold', `==> ${title}`));
  }

  /** An indented detail line under the current stage. */
  line(text: string, tone: Tone = 'plain'): void {
    this.write(text === '' ? '' : `    ${this.paint(tone, text)}`);
  }

  /** A timestamped change, e.g. `  +12.4s  ✔ ResourceNotScoped  dce-central  resolved`. */
  event(text: string, tone: Tone = 'plain'): void {
    this.write(`  ${this.paint('dim', elapsed(Date.now() - this.#origin).padStart(7))}  ${this.paint(tone, text)}`);
  }
}

export function elapsed(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `+${s.toFixed(1)}s`;
  return `+${Math.floor(s / 60)}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Left-aligned columns separated by three spaces, as kubectl prints tables. */
export function table(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('   ')
      .trimEnd(),
  );
}

/** The last segment of an ARM id: the name people recognise. */
export function nameOf(id: string): string {
  return id.slice(id.lastIndexOf('/') + 1);
}
