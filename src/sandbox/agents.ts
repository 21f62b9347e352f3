// The agents of the sandbox's estate: the emulator's agent fleet, run on the sandbox's clock, sends what each
// machine's configuration lets it send; one machine is silenced for a reason only its guest shows.
import tls from 'node:tls';
import { ClientSecretCredential } from '@azure/identity';
import { LogsQueryClient, LogsQueryResultStatus } from '@azure/monitor-query-logs';
import type { MonitoringTopology } from '../api/types.ts';
import type { RunningEmulator } from '../emulator/index.ts';
import { SEED_STORY } from './estate.ts';
import type { Output } from './output.ts';
import { nameOf } from './output.ts';

/** The agents' heartbeat interval (Learn: "every minute"); the sandbox's clock runs one such minute every TICK_MS. */
export const EMULATED_MINUTE_MS = 60_000;
export const TICK_MS = 2_000;

/** The machine whose agent service is stopped in the guest: its configuration is right, it sends nothing. */
export const GUEST_SILENCED = `${SEED_STORY.workloadGroup}/providers/Microsoft.Compute/virtualMachines/vm-linux-01`;

/**
 * Puts every machine and the controller behind ampls-central's private endpoint (the hub's), silences one machine's
 * agent, and starts the clock. Returns a function that stops the clock.
 */
export function startAgents(out: Output, arm: RunningEmulator): () => void {
  const la = arm.logAnalytics;
  // The estate has two scopes, so the fleet cannot guess where a machine sits: the hub's private endpoint serves all.
  for (const m of la.lifecycles()) la.setMachineOrigin(m.machineId, { privateLinkScope: SEED_STORY.scope });
  // The controller runs in the hub too: law-central's query access mode is PrivateOnly.
  la.setQueryOrigin({ privateLinkScope: SEED_STORY.scope });
  la.setGuestFault(GUEST_SILENCED, 'agentStopped');
  out.line(`agents: every machine writes a heartbeat each emulated minute to law-central, and its rules' rows, only as far as its configuration lets it; the sandbox's clock runs one emulated minute every ${TICK_MS / 1000} s`, 'dim');
  out.line(`${nameOf(GUEST_SILENCED)}: its agent service is stopped in the guest (systemctl stop azuremonitoragent): nothing in Azure shows it`, 'warn');
  const timer = setInterval(() => la.advance(EMULATED_MINUTE_MS), TICK_MS);
  return () => clearInterval(timer);
}

/** Gives every machine scale-out added the same network as the others. */
export function placeNewMachines(arm: RunningEmulator): void {
  for (const m of arm.logAnalytics.lifecycles()) arm.logAnalytics.setMachineOrigin(m.machineId, { privateLinkScope: SEED_STORY.scope });
}

/** The server's administrator starts the agent again. */
export function startSilencedAgent(out: Output, arm: RunningEmulator): void {
  out.line(`${nameOf(GUEST_SILENCED)}'s administrator follows the checklist: the agent service is not running, and starts it:`, 'dim');
  arm.logAnalytics.setGuestFault(GUEST_SILENCED, undefined);
  out.event(`${nameOf(GUEST_SILENCED)}: systemctl start azuremonitoragent (in the guest)`, 'good');
}

/**
 * What a person sees in Log Analytics for one machine: its heartbeats in law-central since the estate started,
 * read with the official query client as the emulator's own principal (not the controller's).
 */
export async function heartbeatsOf(arm: RunningEmulator, machineId: string): Promise<number> {
  if (!tls.getCACertificates('default').includes(arm.caCertPem)) {
    tls.setDefaultCACertificates([...tls.getCACertificates('default'), arm.caCertPem]);
  }
  const credential = new ClientSecretCredential(arm.tenantId, arm.clientId, arm.clientSecret, { authorityHost: arm.authorityHost, disableInstanceDiscovery: true });
  const logs = new LogsQueryClient(credential, { endpoint: arm.logAnalytics.endpoint, retryOptions: { maxRetries: 0 } });
  const workspace = arm.store.get(SEED_STORY.workspace)?.properties as { customerId?: string } | undefined;
  const query = `Heartbeat | where _ResourceId =~ '${machineId.replace(/'/g, '')}' | summarize Heartbeats = count()`;
  const result = await logs.queryWorkspace(workspace?.customerId ?? '', query, { duration: 'P1D' });
  if (result.status !== LogsQueryResultStatus.Success) throw new Error(`Log Analytics: ${result.partialError.message}`);
  return Number(result.tables[0]?.rows[0]?.[0] ?? 0);
}

function condition(t: MonitoringTopology | undefined, type: string): { status: string } | undefined {
  return t?.status?.conditions?.find((c) => c.type === type);
}

/** Evidence read for the current generation, with `delivering` machines delivering. */
export function delivering(t: MonitoringTopology | undefined, count: number): boolean {
  if (!t?.status?.delivery || t.status.observedGeneration !== t.metadata.generation) return false;
  return t.status.instances?.delivering === count && t.status.delivery.unknown === 0;
}

/** The guest-silenced machine is reported at stage Guest. */
export function guestReported(t: MonitoringTopology | undefined): boolean {
  return guestFinding(t) !== undefined;
}

export function guestFinding(t: MonitoringTopology | undefined): { code: string; stage: string; message: string } | undefined {
  return (t?.status?.findings ?? []).find((f) => f.stage === 'Guest' && f.severity === 'Error' && f.resourceId.toLowerCase() === GUEST_SILENCED.toLowerCase());
}

/** Every machine delivering, DataDelivered and Ready True. */
export function allDelivering(t: MonitoringTopology | undefined): boolean {
  const total = t?.status?.instances?.total;
  return total !== undefined && delivering(t, total) && condition(t, 'DataDelivered')?.status === 'True' && condition(t, 'Ready')?.status === 'True';
}
