// The emulator's CA directory: one it creates is removed on close, one the caller gives is kept.
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.ts';

describe('emulator CA directory', () => {
  it('removes the temporary directory it created when closed', async () => {
    const em = await startEmulator();
    const dir = dirname(em.caCertPath);
    expect(basename(dir)).toMatch(/^arm-emulator-/);
    expect(existsSync(em.caCertPath)).toBe(true);
    await em.close();
    expect(existsSync(dir)).toBe(false);
    await em.close(); // a second close is harmless
  });

  it('never removes a caller-provided caDir', async () => {
    const caDir = await mkdtemp(join(tmpdir(), 'emulator-tls-test-'));
    try {
      const em = await startEmulator({ caDir });
      expect(dirname(em.caCertPath)).toBe(caDir);
      await em.close();
      expect(existsSync(join(caDir, 'ca.pem'))).toBe(true);
    } finally {
      await rm(caDir, { recursive: true, force: true });
    }
  });

  it('removes the temporary directory when the server cannot listen', async () => {
    const first = await startEmulator();
    const port = Number(new URL(first.url).port);
    // A private TMPDIR (this worker's env only) so emulators of other test files cannot show up here.
    const saved = process.env.TMPDIR;
    const privateTmp = await mkdtemp(join(tmpdir(), 'emulator-tls-test-'));
    process.env.TMPDIR = privateTmp;
    try {
      await expect(startEmulator({ port })).rejects.toThrow(/EADDRINUSE/);
      expect(readdirSync(privateTmp)).toEqual([]);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
      await first.close();
      await rm(privateTmp, { recursive: true, force: true });
    }
  });
});
