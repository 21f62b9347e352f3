// Leaves nothing behind: a work directory removed on exit, and a detached watcher that kills the sandbox's
// process groups and removes the directory should the sandbox itself be killed without a chance to clean up.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const GROUPS_FILE = 'process-groups';

export class WorkDirectory {
  readonly path: string;
  readonly #groups = new Set<number>();
  #reaper: ChildProcess | undefined;
  #removed = false;
  readonly #onExit = (): void => this.removeNow();

  constructor(prefix = 'mtopo-sandbox-') {
    this.path = mkdtempSync(join(tmpdir(), prefix));
    process.on('exit', this.#onExit);
    const script = [
      `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done`,
      `for g in $(cat "$1/${GROUPS_FILE}" 2>/dev/null); do kill -KILL -- "-$g" 2>/dev/null; done`,
      'rm -rf -- "$1"',
    ].join('\n');
    this.#reaper = spawn('bash', ['-c', script, 'mtopo-sandbox-reaper', this.path], { detached: true, stdio: 'ignore' });
    this.#reaper.unref();
  }

  file(name: string): string {
    return join(this.path, name);
  }

  /** A detached child whose whole process group dies with the sandbox. */
  adopt(pid: number): void {
    this.#groups.add(pid);
    appendFileSync(this.file(GROUPS_FILE), `${pid}\n`);
  }

  /** Synchronous: also safe inside an exit handler. */
  removeNow(): void {
    if (this.#removed) return;
    this.#removed = true;
    for (const pid of this.#groups) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    rmSync(this.path, { recursive: true, force: true });
    if (this.#reaper?.pid !== undefined && this.#reaper.exitCode === null) {
      try {
        process.kill(-this.#reaper.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    process.off('exit', this.#onExit);
  }
}
