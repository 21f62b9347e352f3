// The network pass: ARM reads to read a topology's network (endpoints, zones, records, links, NICs, VNets) on an
// estate of machines spread over networks, and how the count grows with machines, groups and networks.
import tls from 'node:tls';
import { ClientSecretCredential } from '@azure/identity';
import pino from 'pino';
import { createArmGateway, createSubscriptionBudgets } from '../src/azure/index.ts';
import { startEmulator } from '../src/emulator/index.ts';
import type { Estate, EstateResourceGroup } from '../src/emulator/index.ts';
import { assessNetwork } from '../src/findings/network.ts';
import { BENCH_SUBSCRIPTION, benchEstate, benchSpec } from './estate.ts';

export interface NetworkFigures {
  scenario: string;
  machines: number;
  networks: number;
  armReads: number;
  byOperation: Record<string, number>;
  ms: number;
  findings: string[];
}

const net = `/subscriptions/${BENCH_SUBSCRIPTION}/resourceGroups/rg-network`;

/** `groups` resource groups of machines; group g's machines sit in network g % `networks`; the last network is not linked. */
export function networkEstate(groups: number, perGroup: number, networks: number): Estate {
  const estate = benchEstate({ groups, machinesPerGroup: perGroup });
  const rgs = estate.subscriptions?.[0]?.resourceGroups ?? [];
  for (const [i, rg] of rgs.entries()) {
    if (!rg.name.startsWith('rg-app-')) continue;
    const g = i - 1;
    for (const vm of rg.virtualMachines ?? []) vm.subnet = `${net}/providers/Microsoft.Network/virtualNetworks/vnet-${g % networks}/subnets/default`;
  }
  const network: EstateResourceGroup = {
    name: 'rg-network',
    location: 'westeurope',
    virtualNetworks: [
      { name: 'vnet-hub', addressPrefix: '10.250.0.0/16', subnets: [{ name: 'pe', addressPrefix: '10.250.1.0/24' }] },
      ...Array.from({ length: networks }, (_, n) => ({ name: `vnet-${n}`, addressPrefix: `10.${n}.0.0/16`, subnets: [{ name: 'default', addressPrefix: `10.${n}.0.0/16` }] })),
    ],
    privateDnsZones: [{ azureMonitor: true, links: ['vnet-hub', ...Array.from({ length: networks - 1 }, (_, n) => `vnet-${n}`)] }],
    privateEndpoints: [{ name: 'pe-ampls', subnet: 'vnet-hub/pe', privateLinkScope: `/subscriptions/${BENCH_SUBSCRIPTION}/resourceGroups/rg-monitoring/providers/Microsoft.Insights/privateLinkScopes/ampls-bench`, zones: 'azureMonitor' }],
  };
  // Networks before the machines that sit in them: the loader goes group by group per stage, and networks load first.
  rgs.push(network);
  return estate;
}

export async function benchNetwork(groups: number, perGroup: number, networks: number): Promise<NetworkFigures> {
  const em = await startEmulator({ estate: networkEstate(groups, perGroup, networks) });
  try {
    tls.setDefaultCACertificates([...tls.getCACertificates('default'), em.caCertPem]);
    const credential = new ClientSecretCredential(em.tenantId, em.clientId, em.clientSecret, { authorityHost: em.authorityHost, disableInstanceDiscovery: true });
    const gateway = createArmGateway({ endpoint: em.url, credential, budgets: createSubscriptionBudgets(), logger: pino({ level: 'warn' }) });
    const spec = benchSpec(groups);
    const snapshot = await gateway.observe(spec);
    em.resetCounters();
    const t = performance.now();
    const network = await gateway.observeNetwork(spec, snapshot);
    const ms = Math.round(performance.now() - t);
    const c = em.counters();
    const byOperation: Record<string, number> = {};
    for (const [op, statuses] of Object.entries(c.byOperation)) byOperation[op] = Object.values(statuses).reduce((x, y) => x + y, 0);
    const assessed = assessNetwork({
      scopeId: snapshot.scope?.id ?? '',
      ingestionAccessMode: snapshot.scope?.ingestionAccessMode ?? 'Open',
      linkedResourceIds: snapshot.scope?.scopedResources.map((r) => r.linkedResourceId) ?? [],
      network,
    });
    return {
      scenario: `${groups * perGroup} machines, ${groups} resource groups, ${networks} networks`,
      machines: network.machines.length,
      networks: networks,
      armReads: c.reads,
      byOperation,
      ms,
      findings: assessed.findings.map((f) => `${f.code} ${f.resourceId.split('/').pop() ?? ''}: ${f.message.slice(0, 60)}…`),
    };
  } finally {
    await em.close();
  }
}

export function printNetworkFigures(rows: NetworkFigures[]): void {
  for (const r of rows) {
    process.stdout.write(
      `\n${r.scenario}\n  machines placed ${r.machines}; ARM reads ${r.armReads} in ${r.ms} ms\n  by operation: ${JSON.stringify(r.byOperation)}\n` +
        r.findings.map((f) => `  finding: ${f}\n`).join(''),
    );
  }
}
