// The emulator's command line: starts with an estate, prints how to reach it, serves SDK clients, stops on SIGINT.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MonitorClient } from '@azure/arm-monitor';
import { ClientSecretCredential } from '@azure/identity';
import { expect, test } from 'vitest';
import { trustCa } from '../support/emulator.ts';

test('npm run emulator -- --estate <file> --port <n> serves the estate until SIGINT', { timeout: 60_000 }, async () => {
  const script = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts.emulator ?? '';
  const [, ...args] = script.split(' ');
  const child = spawn(process.execPath, [...args, '--estate', 'estates/seed-story.yaml', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    let out = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('Trust the CA')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`emulator exited early (${String(code)}): ${out}`)));
    });
    const field = (label: string): string => new RegExp(`${label}:\\s+(\\S+)`).exec(out)?.[1] ?? '';
    const url = field('ARM endpoint');
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(field('Token endpoint')).toBe(`${url}/${field('Tenant id')}/oauth2/v2.0/token`);
    trustCa(readFileSync(field('CA certificate'), 'utf8'));
    const credential = new ClientSecretCredential(field('Tenant id'), field('Client id'), field('Client secret'), { authorityHost: url, disableInstanceDiscovery: true });
    const monitor = new MonitorClient(credential, '11111111-1111-1111-1111-111111111111', { endpoint: url });
    const scope = await monitor.privateLinkScopes.get('rg-monitoring', 'ampls-central');
    expect(scope.accessModeSettings.ingestionAccessMode).toBe('PrivateOnly');
  } finally {
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  }
});

test('npm run emulator -- --settings <file> sets Compute limits, LRO delays and faults without code', { timeout: 60_000 }, async () => {
  const script = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts.emulator ?? '';
  const [, ...args] = script.split(' ');
  const dir = mkdtempSync(join(tmpdir(), 'emulator-settings-'));
  const settings = join(dir, 'settings.yaml');
  writeFileSync(
    settings,
    [
      'computeLimits:',
      '  vmList: { burst: 1, perMinute: 1 }',
      'lroDelays:',
      '  Microsoft.Insights/privateLinkScopes/scopedResources: 5000',
      'faults:',
      '  serverErrorAfterCommitRate: 0',
      '',
    ].join('\n'),
  );
  const child = spawn(process.execPath, [...args, '--estate', 'estates/seed-story.yaml', '--port', '0', '--settings', settings], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    let out = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('Trust the CA')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`emulator exited early (${String(code)}): ${out}`)));
    });
    const field = (label: string): string => new RegExp(`${label}:\\s+(\\S+)`).exec(out)?.[1] ?? '';
    const url = field('ARM endpoint');
    trustCa(readFileSync(field('CA certificate'), 'utf8'));
    const credential = new ClientSecretCredential(field('Tenant id'), field('Client id'), field('Client secret'), { authorityHost: url, disableInstanceDiscovery: true });
    const token = (await credential.getToken('https://management.azure.com/.default'))?.token ?? '';
    const list = (): Promise<Response> =>
      fetch(`${url}/subscriptions/11111111-1111-1111-1111-111111111111/providers/Microsoft.Compute/virtualMachines?api-version=2024-11-01`, { headers: { authorization: `Bearer ${token}` } });
    expect((await list()).status).toBe(200);
    expect((await list()).status).toBe(429);
    const monitor = new MonitorClient(credential, '11111111-1111-1111-1111-111111111111', { endpoint: url, retryOptions: { maxRetries: 0 } });
    const dce = '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-monitoring/providers/Microsoft.Insights/dataCollectionEndpoints/dce-central';
    await monitor.privateLinkScopedResources.createOrUpdate('rg-monitoring', 'ampls-central', 'dce-central-link', { linkedResourceId: dce }, { updateIntervalInMs: 50 }).submitted();
    // The link takes 5 s as the settings say: meanwhile the scope refuses another write.
    const busy = await monitor.privateLinkScopedResources.delete('rg-monitoring', 'ampls-central', 'law-central-connection', { updateIntervalInMs: 50 }).pollUntilDone().then(
      () => 0,
      (e: { statusCode?: number }) => e.statusCode ?? -1,
    );
    expect(busy).toBe(409);
  } finally {
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    rmSync(dir, { recursive: true, force: true });
  }
});
