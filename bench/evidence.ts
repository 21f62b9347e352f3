// Evidence pass cost: queries per pass and time, from 10 to 5,000 machines (the agent fleet runs two minutes first).
import tls from 'node:tls';
import { ClientSecretCredential } from '@azure/identity';
import pino from 'pino';
import { Registry } from 'prom-client';
import { createEvidenceSource, EvidenceReader } from '../src/azure/evidence.ts';
import { createArmGateway, createArmMetrics, createSubscriptionBudgets } from '../src/azure/index.ts';
import { countStates, deliveries, deliveryRulesOf, evidenceAsks } from '../src/findings/index.ts';
import { startEmulator } from '../src/emulator/index.ts';
import { benchEstate, benchSpec, ids } from './estate.ts';

export interface EvidenceFigures {
  machines: number;
  queries: number;
  ms: number;
  delivering: number;
}

export async function benchEvidence(groups: number, perGroup: number): Promise<EvidenceFigures> {
  const em = await startEmulator({ estate: benchEstate({ groups, machinesPerGroup: perGroup }), throttling: false });
  try {
    tls.setDefaultCACertificates([...tls.getCACertificates('default'), em.caCertPem]);
    const credential = new ClientSecretCredential(em.tenantId, em.clientId, em.clientSecret, { authorityHost: em.authorityHost, disableInstanceDiscovery: true });
    const gateway = createArmGateway({ endpoint: em.url, credential, budgets: createSubscriptionBudgets(), logger: pino({ level: 'warn' }), metrics: createArmMetrics(new Registry()) });
    em.logAnalytics.setQueryOrigin({ privateLinkScope: ids.scope });
    em.logAnalytics.advance(120_000);
    const spec = benchSpec(groups);
    const snapshot = await gateway.observe(spec);
    const source = createEvidenceSource(new EvidenceReader({ credential, endpoint: em.logAnalytics.endpoint }), (id, v) => gateway.readResource!(id, v));
    const rules = deliveryRulesOf(snapshot.rules);
    em.logAnalytics.resetQueryStats();
    const t0 = performance.now();
    const read = await source.read(evidenceAsks(rules), { freshMs: 15 * 60_000, lookbackMs: 24 * 3_600_000 });
    const states = countStates(deliveries(snapshot.machines, rules, read.evidence));
    return { machines: snapshot.machines.length, queries: em.logAnalytics.queryStats().total, ms: Math.round(performance.now() - t0), delivering: states.Delivering };
  } finally {
    await em.close();
  }
}
