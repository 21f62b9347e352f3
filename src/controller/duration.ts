// Go-style durations as the CRD accepts them (`90s`, `10m`, `1h30m`, `250ms`).

const UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const PART = /(\d+(?:\.\d+)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy;

/** Milliseconds of a Go duration; undefined when malformed or negative. */
export function parseDuration(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const s = text.trim();
  if (s === '0') return 0;
  if (s === '') return undefined;
  PART.lastIndex = 0;
  let total = 0;
  let consumed = 0;
  for (let m = PART.exec(s); m; m = PART.exec(s)) {
    total += Number(m[1]) * (UNITS[m[2] as string] ?? 0);
    consumed = PART.lastIndex;
  }
  return consumed === s.length ? total : undefined;
}

/** The duration, or the fallback when absent or malformed, never below `min`. */
export function durationOr(text: string | undefined, fallbackMs: number, minMs = 0): number {
  return Math.max(parseDuration(text) ?? fallbackMs, minMs);
}
