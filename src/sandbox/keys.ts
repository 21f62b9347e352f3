// Single-key commands while the sandbox waits on a terminal; in raw mode Ctrl-C arrives as a key, not a signal.

export interface KeyCommands {
  /** Key (one character) → what it does. */
  [key: string]: () => void;
}

/** Listens for keys until the returned function is called; does nothing when stdin is not a terminal. */
export function listenForKeys(commands: KeyCommands, onInterrupt: () => void): () => void {
  const stdin = process.stdin;
  if (!stdin.isTTY) return () => undefined;
  const restore = (): void => {
    if (stdin.isRaw) stdin.setRawMode(false);
  };
  const onData = (data: Buffer): void => {
    for (const ch of data.toString()) {
      if (ch === '\u0003' || ch === '\u0004') return onInterrupt(); // Ctrl-C, Ctrl-D
      commands[ch.toLowerCase()]?.();
    }
  };
  stdin.setRawMode(true);
  stdin.resume();
  stdin.on('data', onData);
  process.once('exit', restore);
  return () => {
    stdin.off('data', onData);
    restore();
    stdin.pause();
    process.off('exit', restore);
  };
}
