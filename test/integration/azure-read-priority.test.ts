// Discovery reads go ahead of a pass's per-machine reads in the shared read queue: a discovery tick during a large
// observe is answered next, not after every machine of the pass.
import tls from 'node:tls';
import { ClientSecretCredential } from '@azure/identity';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { MonitoringTopologySpec } from '../../src/api/types.ts';
import { createArmGateway, createSubscriptionBudgets } from '../../src/azure/index.ts';
import { startEmulator } from '../../src/emulator/index.ts';
import type { Estate, RunningEmulator } from '../../src/emulator/index.ts';

const SUB = '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const MON = `/subscriptions/${SUB}/resourceGroups/rg-mon`;
const GROUPS = 3;
const PER_GROUP = 80;

const estate: Estate = {
  subscriptions: [
    {
      id: SUB,
      resourceGroups: [
        {
          name: 'rg-mon',
          workspaces: [{ name: 'law' }],
          dataCollectionEndpoints: [{ name: 'dce' }],
          dataCollectionRules: [{ name: 'dcr', kind: 'Linux', workspace: 'law' }],
          privateLinkScopes: [{ name: 'ampls', scopedResources: ['law', 'dce'] }],
        },
        ...Array.from({ length: GROUPS }, (_, g) => ({
          name: `rg-app-${g}`,
          virtualMachines: Array.from({ length: PER_GROUP }, (_, i) => ({
            name: `vm-${g}-${i}`,
            osType: 'Linux' as const,
            extensions: [{ name: 'AzureMonitorLinuxAgent', type: 'AzureMonitorLinuxAgent' }],
          })),
        })),
      ],
    },
  ],
};

const spec: MonitoringTopologySpec = {
  mode: 'Enforce',
  privateLinkScope: { resourceId: `${MON}/providers/Microsoft.Insights/privateLinkScopes/ampls` },
  configurationEndpoint: { resourceId: `${MON}/providers/Microsoft.Insights/dataCollectionEndpoints/dce` },
  dataCollectionRules: [{ resourceId: `${MON}/providers/Microsoft.Insights/dataCollectionRules/dcr` }],
  targets: { resourceGroups: Array.from({ length: GROUPS }, (_, g) => `/subscriptions/${SUB}/resourceGroups/rg-app-${g}`) },
};

let em: RunningEmulator | undefined;
afterEach(async () => {
  await em?.close();
  em = undefined;
});

describe('read priorities', () => {
  it("answers discovery's target and association lists before the pass's remaining per-machine reads", async () => {
    em = await startEmulator({ estate });
    const running = em;
    tls.setDefaultCACertificates([...tls.getCACertificates('default'), running.caCertPem]);
    const credential = new ClientSecretCredential(running.tenantId, running.clientId, running.clientSecret, { authorityHost: running.authorityHost, disableInstanceDiscovery: true });
    // One read in flight: the queue's order is the order ARM sees.
    const gateway = createArmGateway({ endpoint: running.url, credential, budgets: createSubscriptionBudgets(), logger: pino({ level: 'silent' }), concurrency: 1 });
    await credential.getToken('https://management.azure.com/.default');
    const extensionReads = (): number => Object.values(running.counters().byOperation['LIST Microsoft.Compute/virtualMachines/extensions'] ?? {}).reduce((a, b) => a + b, 0);

    // When the first chunk of machines is read, every other machine's reads are already queued behind it.
    let discovery: Promise<{ associations: string[] | undefined; targets: string[]; extensionReadsThen: number }> | undefined;
    const snapshot = await gateway.observe(spec, undefined, {
      onMachinesRead: () => {
        discovery ??= Promise.all([gateway.listAssociations?.(spec), gateway.listTargets(spec)]).then(([associations, targets]) => ({ associations, targets, extensionReadsThen: extensionReads() }));
      },
    });
    const seen = await discovery;
    expect(snapshot.errors).toEqual([]);
    expect(seen?.associations).toEqual([]);
    expect(seen?.targets).toHaveLength(GROUPS * PER_GROUP);
    // The pass read every machine's extension, but discovery was answered while most were still queued.
    expect(extensionReads()).toBe(GROUPS * PER_GROUP);
    expect(seen?.extensionReadsThen).toBeLessThan(GROUPS * PER_GROUP / 2);
  });
});
