// The child side of emulator-process.ts: builds the estate, starts the emulator, answers the parent's requests.
import { readdirSync } from 'node:fs';
import { setPriority } from 'node:os';
import { startEmulator } from '../src/emulator/index.ts';
import type { RunningEmulator } from '../src/emulator/types.ts';
import type { EmulatorRequest } from './emulator-process.ts';
import { benchEstate, flexibleEstate, flexibleSpec, flexScaleSetId } from './estate.ts';

type Message = { id: number; op: 'counters' | 'reset' | 'rss' } | { id: number; op: 'scale'; scaleSetId: string; capacity: number } | { id: number; op: 'graphLag'; ms: number };

let em: RunningEmulator | undefined;

// Azure does not run on the controller's CPU. On this 2-core machine the emulator (which evaluates each Resource Graph
// page over the whole estate, with a heap of gigabytes to collect) would otherwise take the controller's thread off
// the CPU in the middle of a turn, and the controller's event-loop figures would measure the machine. Every thread of
// this process yields to the controller's (nice 10; threads started later inherit it from the main thread).
try {
  for (const task of readdirSync('/proc/self/task')) setPriority(Number(task), 10);
} catch {
  // Not Linux: the figures then include what the emulator takes.
}

/** Every existing member of the Flexible scale set starts converged: the figure is about the new ones. */
function seedAssociations(e: RunningEmulator): void {
  const spec = flexibleSpec();
  const rg = flexScaleSetId.split('/providers/')[0] as string;
  for (const vm of e.store.list(rg, 'Microsoft.Compute/virtualMachines')) {
    const base = `${String(vm['id'])}/providers/Microsoft.Insights/dataCollectionRuleAssociations`;
    const put = (name: string, properties: Record<string, unknown>): void =>
      void e.store.put({ id: `${base}/${name}`, name, type: 'Microsoft.Insights/dataCollectionRuleAssociations', properties });
    spec.dataCollectionRules.forEach((r, i) => put(`rule-${i}`, { dataCollectionRuleId: r.resourceId }));
    put('configurationAccessEndpoint', { dataCollectionEndpointId: spec.configurationEndpoint.resourceId });
  }
}

process.on('message', (m: EmulatorRequest | Message) => {
  void (async () => {
    if ('estate' in m) {
      const estate =
        m.estate.kind === 'groups'
          ? benchEstate({ groups: m.estate.groups, machinesPerGroup: m.estate.machinesPerGroup, cold: m.estate.cold })
          : flexibleEstate(m.estate.capacity);
      // Resource Graph's quota (15 queries per 5 s) sped up like ARM's refill: 15 × speed per window.
      em = await startEmulator({ estate, pageSize: m.pageSize, throttling: { scale: m.speed }, resourceGraph: { quota: { limit: 15 * m.speed } } });
      if (m.estate.kind === 'flexible') seedAssociations(em);
      const { url, tenantId, clientId, clientSecret, authorityHost, caCertPem } = em;
      process.send?.({ ready: { url, tenantId, clientId, clientSecret, authorityHost, caCertPem } });
      return;
    }
    if (!em) return;
    try {
      let value: unknown;
      if (m.op === 'counters') value = em.counters();
      else if (m.op === 'reset') em.resetCounters();
      else if (m.op === 'rss') value = process.resourceUsage().maxRSS / 1024;
      else if (m.op === 'scale') em.store.scaleVmss(m.scaleSetId, m.capacity);
      else if (m.op === 'graphLag') em.resourceGraph.setLagMs(m.ms);
      process.send?.({ id: m.id, value });
    } catch (err) {
      process.send?.({ id: m.id, error: String(err) });
    }
  })();
});

process.on('SIGTERM', () => {
  void (em?.close() ?? Promise.resolve()).finally(() => process.exit(0));
});
