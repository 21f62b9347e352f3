// Azure Arc-enabled servers: the connected-machine agent's state, its identity and its own private link path.
import type { Finding } from '../api/types.ts';
import type { AssessedFinding, ObservedMachine } from '../model/index.ts';
import { describe, finding, listNames } from './finding.ts';

/**
 * A Disconnected or Error agent (Machine.properties.status) manages no extension and reports nothing new: what
 * ARM shows of the machine's agent extension, and the absence of heartbeats, describe the past.
 */
export function arcAgentNotConnected(m: ObservedMachine): AssessedFinding | undefined {
  const status = m.arc?.status;
  if (status === undefined || status.toLowerCase() === 'connected') return undefined;
  const since = m.arc?.lastStatusChange ? ` since ${m.arc.lastStatusChange}` : '';
  return {
    finding: finding(
      'ArcMachineDisconnected',
      'Error',
      m.id,
      'Extension',
      `The connected-machine agent of ${describe(m.id)} is ${status}${since}, so the state of its agent extension and its missing ` +
        `heartbeats cannot be trusted until it reconnects: on the server, run azcmagent show and azcmagent check, and restore its ` +
        `network path to Azure Arc (associations are still kept up to date).`,
    ),
    fixable: false,
  };
}

/** An Arc machine has one identity, its system-assigned one (Learn: "Managed identity with Azure Arc-enabled servers"). */
export function arcSystemIdentity(m: ObservedMachine): AssessedFinding | undefined {
  if (m.identity.principalId !== undefined || m.identity.type.toLowerCase().includes('systemassigned')) return undefined;
  return {
    finding: finding(
      'SystemIdentityMissing',
      'Error',
      m.id,
      'Identity',
      `${describe(m.id)} shows no system-assigned identity, the only identity an Azure Arc-enabled server has, so its agent cannot ` +
        `get a token: reconnect the server with azcmagent connect (the identity is created when the agent registers it).`,
    ),
    fixable: false,
  };
}

/**
 * Without an Arc private link scope the agent reaches the hybrid identity service (*.his.arc.azure.com, its token)
 * and extension management (*.guestconfiguration.azure.com) over public endpoints (Learn: "Connected Machine agent
 * network requirements"); the AMPLS carries only Azure Monitor traffic ("Use Azure Private Link to securely connect
 * servers to Azure Arc": other services need their own private endpoints).
 */
export function arcPrivateLinkScopeMissing(m: ObservedMachine): AssessedFinding | undefined {
  if (m.arc?.privateLinkScopeId !== undefined) return undefined;
  return {
    finding: finding(
      'ArcPrivateLinkScopeMissing',
      'Warning',
      m.id,
      'Identity',
      `${describe(m.id)} is not bound to an Azure Arc private link scope while the Azure Monitor scope takes ingestion over private ` +
        `links only: the agent still needs public endpoints for its token (*.his.arc.azure.com) and extension management ` +
        `(*.guestconfiguration.azure.com). If the server has no public route, bind it to an Azure Arc private link scope with a ` +
        `private endpoint on its network (the controller never changes Arc settings).`,
    ),
    fixable: false,
  };
}

/** A user-assigned identity in the spec cannot apply to Arc machines: they have only their system-assigned identity. */
export function arcUserAssignedIdentityUnsupported(identityId: string, arcMachines: readonly string[]): Finding | undefined {
  if (arcMachines.length === 0) return undefined;
  return finding(
    'ArcUserAssignedIdentityUnsupported',
    'Warning',
    identityId,
    'Identity',
    `spec.agent.userAssignedIdentity names ${describe(identityId)}, but the ${arcMachines.length} Azure Arc-enabled server(s) among the ` +
      `targets (${listNames(arcMachines)}) can only use their system-assigned identity: their agents authenticate with it, and the ` +
      `identity checks and extension repairs for ${describe(identityId)} apply to Azure virtual machines and scale sets only.`,
  );
}
