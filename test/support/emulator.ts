// Test support: an emulator on loopback, a real @azure/identity credential against it, its CA trusted in-process,
// and official SDK clients pointed at it.
import tls from 'node:tls';
import { ComputeManagementClient } from '@azure/arm-compute';
import { HybridComputeManagementClient } from '@azure/arm-hybridcompute';
import { MonitorClient } from '@azure/arm-monitor';
import { NetworkManagementClient } from '@azure/arm-network';
import { PrivateDnsManagementClient } from '@azure/arm-privatedns';
import type { TokenCredential } from '@azure/core-auth';
import { ClientSecretCredential } from '@azure/identity';
import { startEmulator } from '../../src/emulator/index.ts';
import type { EmulatorOptions, RunningEmulator } from '../../src/emulator/index.ts';

export interface TestEmulator extends RunningEmulator {
  credential: TokenCredential;
}

const trusted = new Set<string>();

/** Adds the emulator's CA to Node's default trust store for this process. */
export function trustCa(caPem: string): void {
  if (trusted.has(caPem)) return;
  trusted.add(caPem);
  tls.setDefaultCACertificates([...tls.getCACertificates('default'), caPem]);
}

export async function startTestEmulator(options: EmulatorOptions = {}): Promise<TestEmulator> {
  const emulator = await startEmulator({ pageSize: 5, ...options });
  trustCa(emulator.caCertPem);
  const credential = new ClientSecretCredential(emulator.tenantId, emulator.clientId, emulator.clientSecret, {
    authorityHost: emulator.authorityHost,
    disableInstanceDiscovery: true,
  });
  return Object.assign(emulator, { credential });
}

/** Client options that keep the SDK's own pipeline (retries, pollers) but point it at the emulator. */
export function clientOptions(emulator: RunningEmulator, extra: Record<string, unknown> = {}): { endpoint: string; credentials: { scopes: string[] } } & Record<string, unknown> {
  return { endpoint: emulator.url, credentials: { scopes: ['https://management.azure.com/.default'] }, ...extra };
}

export function monitorClient(emulator: TestEmulator, subscriptionId: string, extra: Record<string, unknown> = {}): MonitorClient {
  return new MonitorClient(emulator.credential, subscriptionId, clientOptions(emulator, extra));
}

export function computeClient(emulator: TestEmulator, subscriptionId: string, extra: Record<string, unknown> = {}): ComputeManagementClient {
  return new ComputeManagementClient(emulator.credential, subscriptionId, clientOptions(emulator, extra));
}

export function networkClient(emulator: TestEmulator, subscriptionId: string, extra: Record<string, unknown> = {}): NetworkManagementClient {
  return new NetworkManagementClient(emulator.credential, subscriptionId, clientOptions(emulator, extra));
}

export function privateDnsClient(emulator: TestEmulator, subscriptionId: string, extra: Record<string, unknown> = {}): PrivateDnsManagementClient {
  return new PrivateDnsManagementClient(emulator.credential, subscriptionId, clientOptions(emulator, extra));
}

/** Fast polling for long-running operations in tests. */
export const fastPoll = { updateIntervalInMs: 5 } as const;

export function hybridComputeClient(emulator: TestEmulator, subscriptionId: string, extra: Record<string, unknown> = {}): HybridComputeManagementClient {
  return new HybridComputeManagementClient(emulator.credential, subscriptionId, clientOptions(emulator, extra));
}
