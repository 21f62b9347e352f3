// Building blocks for findings: one constructor and the wording helpers every check shares.
import type { Finding, FindingCode, LifecycleStage, Severity } from '../api/types.ts';
import { Interner, ResourceTypes, flatString } from '../model/index.ts';

export function finding(
  code: FindingCode,
  severity: Severity,
  resourceId: string,
  stage: LifecycleStage,
  message: string,
): Finding {
  return { code, severity, resourceId, stage, message: sentence(message) };
}

/**
 * Messages often open with a resource description ("virtual machine …"): made to read as sentences. Flat: a large
 * fleet keeps a finding or two per machine until the pass ends.
 */
function sentence(text: string): string {
  return flatString(text.charAt(0).toUpperCase() + text.slice(1));
}

/** The texts that follow a machine's description in its findings: a few, each shared by every machine that has it. */
const tails = new Interner(256);

/**
 * A finding about one machine, whose message is the machine's description followed by `tail`, a text many machines
 * share. The message joins the two rather than copying them: a cold estate of 100,000 machines keeps a finding or two
 * per machine until the pass ends, at about 70 bytes each this way instead of about 200 for a copy. Nothing reads the
 * messages of every finding (status and events take a bounded few), so the joins are not flattened en masse.
 */
export function machineFinding(code: FindingCode, severity: Severity, machineId: string, stage: LifecycleStage, tail: string): Finding {
  return { code, severity, resourceId: machineId, stage, message: sentence(describe(machineId)) + tails.string(tail) };
}

/** The last name segment of an ARM id, for messages (the full id is in `resourceId`). */
export function nameOf(id: string): string {
  let end = id.length;
  while (end > 0 && id[end - 1] === '/') end--;
  const name = id.slice(id.lastIndexOf('/', end - 1) + 1, end);
  return name || id;
}

// Cheaper than a full parse: messages describe every machine of a large fleet.
function typeOf(id: string): string | undefined {
  const lower = id.toLowerCase();
  const at = lower.lastIndexOf('/providers/');
  if (at < 0) return undefined;
  const segs = lower.slice(at + '/providers/'.length).split('/').filter((p) => p !== '');
  if (segs.length < 3 || segs.length % 2 === 0) return undefined;
  const types = [segs[0]];
  for (let i = 1; i < segs.length; i += 2) types.push(segs[i]);
  return types.join('/');
}

/** Human words for the kind of resource an id names. */
export function describe(id: string): string {
  const n = nameOf(id);
  switch (typeOf(id)) {
    case ResourceTypes.privateLinkScope.toLowerCase():
      return `private link scope ${n}`;
    case ResourceTypes.dataCollectionRule.toLowerCase():
      return `data collection rule ${n}`;
    case ResourceTypes.dataCollectionEndpoint.toLowerCase():
      return `data collection endpoint ${n}`;
    case ResourceTypes.workspace.toLowerCase():
      return `workspace ${n}`;
    case ResourceTypes.virtualMachine.toLowerCase():
      return `virtual machine ${n}`;
    case ResourceTypes.virtualMachineScaleSet.toLowerCase():
      return `scale set ${n}`;
    case ResourceTypes.userAssignedIdentity.toLowerCase():
      return `user-assigned identity ${n}`;
    case ResourceTypes.arcMachine.toLowerCase():
      return `Arc-enabled server ${n}`;
    default:
      return n;
  }
}

/** The lifecycle stage a resource belongs to when a read of it fails. */
export function stageOfResource(id: string): LifecycleStage {
  const type = typeOf(id);
  if (type === ResourceTypes.dataCollectionEndpoint.toLowerCase()) return 'ConfigurationEndpoint';
  if (type === ResourceTypes.dataCollectionRule.toLowerCase()) return 'Rules';
  if (type === ResourceTypes.userAssignedIdentity.toLowerCase()) return 'Identity';
  if (
    type === ResourceTypes.privateLinkScope.toLowerCase() ||
    type === ResourceTypes.scopedResource.toLowerCase() ||
    type === ResourceTypes.workspace.toLowerCase()
  ) {
    return 'Ingestion';
  }
  // Machines, scale sets, resource groups, subscriptions: the targets themselves, checked first.
  return 'Extension';
}

/** `a, b, c and 7 more` for messages that name many resources. */
export function listNames(ids: readonly string[], max = 3): string {
  const names = ids.slice(0, max).map(nameOf);
  const rest = ids.length - names.length;
  return rest > 0 ? `${names.join(', ')} and ${rest} more` : names.join(', ');
}
