// Reading JSON that arrives untyped (extension settings, error bodies): is it an object with properties?

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
