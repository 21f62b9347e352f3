// Errors the engine raises: the position and the offending token, so a caller can say exactly what failed.

export type KqlErrorKind = 'SyntaxError' | 'SemanticError';

export class KqlError extends Error {
  readonly kind: KqlErrorKind;
  /** 1-based line and column of the offending token. */
  readonly line: number;
  readonly column: number;
  /** 0-based offset into the query text. */
  readonly offset: number;
  readonly token: string;

  constructor(kind: KqlErrorKind, message: string, at: { line: number; column: number; offset: number; token: string }) {
    super(message);
    this.name = 'KqlError';
    this.kind = kind;
    this.line = at.line;
    this.column = at.column;
    this.offset = at.offset;
    this.token = at.token;
  }
}
