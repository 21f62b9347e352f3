// Findings from delivery evidence, joined with configuration findings: configuration stays the cause when it
// explains the silence; a silent machine with a correct configuration is at stage Guest with the seed's checklist.
import type { Finding } from '../api/types.ts';
import { eachWork, runSync } from './work.ts';
import type { Work } from './work.ts';
import type { MachineDelivery } from './delivery.ts';
import { describe, finding, nameOf } from './finding.ts';

/** The field report's "Diagnostic Order for Zero Data": what only the machine itself can show. */
export function guestChecklist(osType: 'Linux' | 'Windows' | undefined): string {
  const logs =
    osType === 'Windows'
      ? 'the agent logs (Event Viewer under Azure Monitor Agent)'
      : osType === 'Linux'
        ? 'the agent logs (/var/opt/microsoft/azuremonitoragent/log/mdsd.err)'
        : 'the agent logs (Linux: /var/opt/microsoft/azuremonitoragent/log/mdsd.err; Windows: Event Viewer under Azure Monitor Agent)';
  return [
    'Check in the guest: is the Azure Monitor Agent service running',
    'does IMDS (169.254.169.254) give a token for the identity the agent uses (resource https://monitor.azure.com/)',
    'do the data collection endpoint and workspace names resolve to private IPs',
    'can the machine reach those IPs on port 443',
    `and what do ${logs} say`,
  ].join('; ') + '.';
}

export interface DeliveryFindingInput {
  deliveries: readonly MachineDelivery[];
  /** Findings of the configuration pass (machine ids compared case-insensitively). */
  configuration: readonly Finding[];
  osTypes: ReadonlyMap<string, 'Linux' | 'Windows' | undefined>;
}

export function deliveryFindings(input: DeliveryFindingInput): Finding[] {
  return runSync(deliveryFindingsWork(input));
}

/** `deliveryFindings` in slices: it reads every configuration finding and every machine's delivery. */
export function* deliveryFindingsWork(input: DeliveryFindingInput): Work<Finding[]> {
  const causes = new Map<string, Finding>();
  yield* eachWork(input.configuration, (f) => {
    if (f.severity === 'Error' && !causes.has(f.resourceId.toLowerCase())) causes.set(f.resourceId.toLowerCase(), f);
  });
  const out: Finding[] = [];
  yield* eachWork(input.deliveries, (d) => {
    const what = describe(d.machineId);
    const os = input.osTypes.get(d.machineId.toLowerCase());
    const cause = causes.get(d.machineId.toLowerCase());
    const explained = cause !== undefined;
    switch (d.state) {
      case 'Silent':
        if (d.lastHeartbeat !== undefined) {
          const why = cause ? ` ${cause.code} is the likely cause.` : ` ${guestChecklist(os)}`;
          out.push(finding('DeliveryStopped', 'Warning', d.machineId, cause?.stage ?? 'Guest', `${what} stopped sending heartbeats; the last one arrived at ${d.lastHeartbeat}.${why}`));
        } else if (!explained) {
          out.push(finding('NoHeartbeat', 'Error', d.machineId, 'Guest', `${what} sends no heartbeat although its configuration is correct. ${guestChecklist(os)}`));
        }
        // Silent with a configuration error and never heard: that finding already names the cause.
        break;
      case 'HeartbeatOnly':
        for (const m of d.missing) {
          const why =
            m.stage === 'Collection'
              ? `no data source of ${nameOf(m.rule)} produces ${m.stream} on this machine's OS`
              : `the agent collects ${m.stream} but nothing reaches ${m.table} (check the rule's ingestion endpoint and the agent logs)`;
          out.push(finding('StreamNotArriving', 'Error', d.machineId, m.stage, `${what} sends heartbeats to ${nameOf(m.workspace)} but no ${m.table} records for ${nameOf(m.rule)}: ${why}.`));
        }
        break;
      case 'NotExpected':
        out.push(finding('NoDeliveryExpected', 'Info', d.machineId, 'Rules', `${what} has only rules that send to Azure Monitor Metrics (or none of its OS): no heartbeat is expected in a workspace.`));
        break;
      default:
        break;
    }
  });
  return out;
}
