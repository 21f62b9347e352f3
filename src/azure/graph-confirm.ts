// Before a pass writes, the machines it will change are read from ARM: Resource Graph only plans. A machine whose ARM
// state differs from what Resource Graph showed is stale there: the pass uses ARM's state and holds its association writes.
import type { AgentSpec } from '../api/types.ts';
import type { ObservedAgentExtension, ObservedAssociation, ObservedMachine } from '../model/index.ts';
import { idKey, isRecord, parseArmId, sameId } from '../model/index.ts';
import { toArcAgentExtension, toArcMachine } from './arc.ts';
import { collect, resourceUri } from './clients.ts';
import type { ArmClientCache } from './clients.ts';
import { toAssociation, toVmMachine, uniformScaleSetMachine } from './convert.ts';
import { isNotFound } from './errors.ts';
import { attachAgent } from './records.ts';

/** A machine whose agent extension names another identity than the spec's: Enforce would repair it, so it is confirmed first. */
export function wantsRepair(m: ObservedMachine, agent: AgentSpec | undefined): boolean {
  const uami = agent?.userAssignedIdentity;
  if (agent?.manageExtension !== true || uami === undefined || m.kind === 'ArcMachine' || !m.agentExtension) return false;
  const auth = m.agentExtension.settings['authentication'];
  const mi = isRecord(auth) ? auth['managedIdentity'] : undefined;
  const value = isRecord(mi) ? mi['identifier-value'] : undefined;
  return !(typeof value === 'string' && sameId(value, uami));
}

/** JSON with sorted keys, so two reads of one object compare equal whatever order their fields came in. */
function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  if (isRecord(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${stable(v[k])}`).join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

function extensionPrint(e: ObservedAgentExtension | null | undefined): unknown {
  return e ? [idKey(e.id), e.type.toLowerCase(), stable(e.settings)] : null;
}

/** What the plan reads of a machine, in a comparable form. */
export function machinePrint(m: ObservedMachine): string {
  const tags = Object.fromEntries(Object.entries(m.tags).map(([k, v]) => [k.toLowerCase(), v]));
  return stable([m.kind, m.osType ?? '', idKey(m.scaleSetId ?? ''), m.identity.type.toLowerCase(), m.identity.principalId ?? '', m.identity.userAssignedIdentities.map(idKey).sort(), extensionPrint(m.agentExtension), tags, m.arc?.status ?? '']);
}

export function associationsPrint(list: ObservedAssociation[]): string {
  return list
    .map((a) => [idKey(a.id), idKey(a.dataCollectionRuleId ?? ''), idKey(a.dataCollectionEndpointId ?? ''), a.description ?? ''].join('|'))
    .sort()
    .join('\n');
}

export type Confirmation =
  /** ARM agrees with Resource Graph: the machine is listed in full and may be written. */
  | { state: 'confirmed'; associations: ObservedAssociation[] }
  /** ARM disagrees: its state replaces Resource Graph's, and no association is written this pass. */
  | { state: 'stale'; machine: ObservedMachine; associations: ObservedAssociation[] }
  /** ARM no longer has the machine. */
  | { state: 'gone' };

/** The machine and its associations from ARM (one GET, one association list; Arc machines also their extension list). */
export async function confirmMachine(m: ObservedMachine, seen: ObservedAssociation[], clients: ArmClientCache, opts: { abortSignal?: AbortSignal }): Promise<Confirmation> {
  const p = parseArmId(m.id);
  if (!p?.resourceGroup || !p.name) return { state: 'gone' };
  const rg = p.resourceGroup;
  const name = p.name;
  const { compute, hybridCompute, monitor } = clients.for(p.subscriptionId);
  const readMachine = async (): Promise<ObservedMachine | undefined> => {
    if (m.kind === 'UniformScaleSet') return { ...uniformScaleSetMachine(await compute.virtualMachineScaleSets.get(rg, name, opts), m.id), selectedBy: m.selectedBy };
    if (m.kind === 'ArcMachine') {
      const machine = toArcMachine(await hybridCompute.machines.get(rg, name, opts), m.selectedBy);
      if (!machine) return undefined;
      let agent: ObservedAgentExtension | undefined;
      for await (const ext of hybridCompute.machineExtensions.list(rg, name, opts)) agent ??= toArcAgentExtension(ext);
      attachAgent(machine, agent ?? null);
      return machine;
    }
    const vm = toVmMachine(await compute.virtualMachines.get(rg, name, opts), m.selectedBy);
    // A GET carries every extension in full: none listed is none installed.
    if (vm && vm.agentExtension === undefined && vm.extensionIds === undefined) vm.agentExtension = null;
    return vm;
  };
  let machine: ObservedMachine | undefined;
  let listed: ObservedAssociation[];
  try {
    const [read, raw] = await Promise.all([readMachine(), collect(monitor.dataCollectionRuleAssociations.listByResource(resourceUri(m.id), opts))]);
    machine = read;
    listed = raw.map(toAssociation).filter((a): a is ObservedAssociation => a !== undefined);
  } catch (err) {
    if (isNotFound(err)) return { state: 'gone' };
    throw err;
  }
  if (!machine) return { state: 'gone' };
  if (machinePrint(machine) === machinePrint(m) && associationsPrint(listed) === associationsPrint(seen)) return { state: 'confirmed', associations: listed };
  return { state: 'stale', machine, associations: listed };
}
