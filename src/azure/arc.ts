// Azure Arc-enabled servers as machines: @azure/arm-hybridcompute models to the snapshot's observed shapes.
import type { Machine, MachineExtension } from '@azure/arm-hybridcompute';
import type { ObservedAgentExtension, ObservedMachine, OsType } from '../model/index.ts';
import { isRecord, sharedInterner as pool } from '../model/index.ts';
import { AGENT_PUBLISHER, toIdentity } from './convert.ts';
import { AgentExtensionRecord, MachineRecord } from './records.ts';

const AGENT_TYPES = new Set(['azuremonitorlinuxagent', 'azuremonitorwindowsagent']);

/**
 * The OS the connected-machine agent reports: `osType` from api-version 2022 on, `osName` in the 2021-05-20
 * model this SDK deserializes (both `windows` or `linux`).
 */
function arcOsType(properties: Machine['properties']): OsType | undefined {
  const extra: unknown = isRecord(properties) ? properties['osType'] : undefined;
  const v = (typeof extra === 'string' ? extra : properties?.osName)?.toLowerCase();
  return v === 'linux' ? 'Linux' : v === 'windows' ? 'Windows' : undefined;
}

export function toArcMachine(machine: Machine, selectedBy: string): ObservedMachine | undefined {
  if (!machine.id) return undefined;
  const p = machine.properties;
  const m: ObservedMachine = new MachineRecord(machine.id, 'ArcMachine', toIdentity(machine.identity), pool.object({ ...(machine.tags ?? {}) }), selectedBy);
  m.arc = {
    ...(p?.status ? { status: pool.string(p.status) } : {}),
    ...(p?.lastStatusChange ? { lastStatusChange: toIso(p.lastStatusChange) } : {}),
    ...(p?.privateLinkScopeResourceId ? { privateLinkScopeId: pool.string(p.privateLinkScopeResourceId) } : {}),
    ...(machine.location ? { location: pool.string(machine.location) } : {}),
  };
  const os = arcOsType(p);
  if (os) m.osType = os;
  return m;
}

function toIso(d: Date | string): string {
  return typeof d === 'string' ? d : d.toISOString();
}

/** The Azure Monitor Agent among an Arc machine's extensions (publisher Microsoft.Azure.Monitor), if installed. */
export function toArcAgentExtension(ext: MachineExtension): ObservedAgentExtension | undefined {
  const p = ext.properties;
  if (!ext.id || p?.publisher?.toLowerCase() !== AGENT_PUBLISHER.toLowerCase() || !AGENT_TYPES.has(p.type?.toLowerCase() ?? '')) return undefined;
  const out: ObservedAgentExtension = new AgentExtensionRecord(
    ext.id,
    pool.string(ext.name ?? ext.id.split('/').pop() ?? ''),
    pool.string(p.type ?? ''),
    pool.string(p.publisher),
    pool.object(isRecord(p.settings) ? p.settings : {}),
  );
  if (p.typeHandlerVersion) out.typeHandlerVersion = pool.string(p.typeHandlerVersion);
  if (p.provisioningState) out.provisioningState = pool.string(p.provisioningState);
  return out;
}
