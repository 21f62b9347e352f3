// Agent identity (stages Extension and Identity): the agent authenticates with exactly one managed identity.
import type { Finding } from '../api/types.ts';
import { isRecord, sameId } from '../model/index.ts';
import type { ObservedAgentExtension, ObservedMachine, ObservedScaleSet, AssessedFinding } from '../model/index.ts';
import { describe, finding, nameOf } from './finding.ts';

/** The identifier name the agent needs for a user-assigned identity given by resource id. */
export const MI_RES_ID = 'mi_res_id';

export interface IdentityContext {
  machine: ObservedMachine;
  /** The Flexible scale set a member belongs to, when observed. */
  scaleSet?: ObservedScaleSet;
  /** `spec.agent.userAssignedIdentity`. */
  userAssignedIdentity?: string;
  /** `spec.agent.manageExtension`. */
  manageExtension: boolean;
  /** False when the identity itself could not be read: never point the agent at it then. */
  identityReadable: boolean;
}

export interface IdentityAssessment {
  findings: AssessedFinding[];
  /** The extension settings to write (RepairExtensionIdentity), when the extension must name the identity. */
  repair?: { extensionName: string; settings: Record<string, unknown> };
}

/** `settings.authentication.managedIdentity` of the agent extension, if the block is there. */
export function extensionIdentity(settings: Record<string, unknown>): { name?: string; value?: string } | undefined {
  const auth = settings['authentication'];
  if (!isRecord(auth)) return undefined;
  const mi = auth['managedIdentity'];
  if (!isRecord(mi)) return undefined;
  const name = mi['identifier-name'];
  const value = mi['identifier-value'];
  return {
    ...(typeof name === 'string' ? { name } : {}),
    ...(typeof value === 'string' ? { value } : {}),
  };
}

/** True when the extension tells the agent to use exactly this user-assigned identity. */
export function namesIdentity(extension: ObservedAgentExtension, identityId: string): boolean {
  const mi = extensionIdentity(extension.settings);
  return mi?.name?.toLowerCase() === MI_RES_ID && sameId(mi.value, identityId);
}

/** The existing settings with `authentication.managedIdentity` pointing at the identity; nothing else changes. */
export function withManagedIdentity(settings: Record<string, unknown>, identityId: string): Record<string, unknown> {
  const auth = isRecord(settings['authentication']) ? settings['authentication'] : {};
  return {
    ...settings,
    authentication: { ...auth, managedIdentity: { 'identifier-name': MI_RES_ID, 'identifier-value': identityId } },
  };
}

function who(ctx: IdentityContext): string {
  const m = ctx.machine;
  return m.scaleSetId ? `${describe(m.id)} (Flexible scale set ${nameOf(m.scaleSetId)})` : describe(m.id);
}

function hasUserAssigned(ids: readonly string[] | undefined, identityId: string): boolean {
  return (ids ?? []).some((id) => sameId(id, identityId));
}

function hasSystemIdentity(ctx: IdentityContext): boolean {
  const t = ctx.machine.identity.type.toLowerCase();
  return t.includes('systemassigned') || ctx.machine.identity.principalId !== undefined;
}

function error(ctx: IdentityContext, f: Omit<Finding, 'resourceId' | 'severity'>, fixable = false): AssessedFinding {
  return { finding: finding(f.code, 'Error', ctx.machine.id, f.stage, f.message), fixable };
}

export function checkAgentExtension(ctx: IdentityContext): AssessedFinding[] {
  if (ctx.machine.agentExtension !== null) return [];
  return [
    error(ctx, {
      code: 'AgentExtensionMissing',
      stage: 'Extension',
      message:
        `The Azure Monitor Agent extension is not installed on ${who(ctx)}, so nothing is collected: ` +
        `install AzureMonitorLinuxAgent or AzureMonitorWindowsAgent (the controller never installs extensions).`,
    }),
  ];
}

/** With a user-assigned identity in the spec: it must be on the machine (or its scale set) and named by the extension. */
export function checkUserAssignedIdentity(ctx: IdentityContext, identityId: string): IdentityAssessment {
  const out: IdentityAssessment = { findings: [] };
  const assigned =
    hasUserAssigned(ctx.machine.identity.userAssignedIdentities, identityId) ||
    hasUserAssigned(ctx.scaleSet?.identity.userAssignedIdentities, identityId);
  if (!assigned) {
    const holder = ctx.machine.scaleSetId ? `${describe(ctx.machine.id)} or its scale set` : describe(ctx.machine.id);
    out.findings.push(
      error(ctx, {
        code: 'IdentityNotAssigned',
        stage: 'Identity',
        message:
          `The ${describe(identityId)} is not assigned to ${holder}, so the agent cannot get a token: ` +
          `assign it to ${holder} (the controller never changes identities).`,
      }),
    );
  }
  const ext = ctx.machine.agentExtension;
  if (!ext || namesIdentity(ext, identityId)) return out;
  const current = extensionIdentity(ext.settings);
  const now = current
    ? `names ${current.name ?? '(no identifier-name)'}=${current.value ?? '(no identifier-value)'}`
    : 'has no authentication block';
  if (ctx.manageExtension && ctx.identityReadable) {
    out.repair = { extensionName: ext.name, settings: withManagedIdentity(ext.settings, identityId) };
    out.findings.push(
      error(
        ctx,
        {
          code: 'ExtensionIdentityMismatch',
          stage: 'Identity',
          message:
            `The agent extension ${ext.name} on ${who(ctx)} ${now} instead of ${describe(identityId)}: ` +
            `Enforce mode sets authentication.managedIdentity (identifier-name ${MI_RES_ID}) to it.`,
        },
        true,
      ),
    );
  } else {
    out.findings.push(
      error(ctx, {
        code: 'ExtensionIdentityMismatch',
        stage: 'Identity',
        message:
          `The agent extension ${ext.name} on ${who(ctx)} ${now}, so the agent does not use ${describe(identityId)}: ` +
          `set settings.authentication.managedIdentity to identifier-name ${MI_RES_ID} and identifier-value ${identityId}, ` +
          `or set spec.agent.manageExtension to true.`,
      }),
    );
  }
  return out;
}

/** Without an identity in the spec the agent uses what the extension names, else the system-assigned identity. */
export function checkDefaultIdentity(ctx: IdentityContext): AssessedFinding[] {
  const ext = ctx.machine.agentExtension;
  if (!ext) return [];
  const explicit = extensionIdentity(ext.settings);
  const uamis = ctx.machine.identity.userAssignedIdentities;
  if (explicit?.name?.toLowerCase() === MI_RES_ID && explicit.value !== undefined) {
    const assigned = hasUserAssigned(uamis, explicit.value) || hasUserAssigned(ctx.scaleSet?.identity.userAssignedIdentities, explicit.value);
    if (assigned) return [];
    return [
      error(ctx, {
        code: 'IdentityNotAssigned',
        stage: 'Identity',
        message:
          `The agent extension ${ext.name} on ${who(ctx)} names ${describe(explicit.value)}, which is not assigned to it: ` +
          `assign that identity or correct settings.authentication.managedIdentity.`,
      }),
    ];
  }
  if (explicit) return []; // object_id / client_id: the agent asks for that identity; nothing to compare here.
  if (ctx.machine.kind === 'VirtualMachine' && ctx.machine.scaleSetId) {
    return [
      error(ctx, {
        code: 'FlexibleScaleSetNeedsUserAssignedIdentity',
        stage: 'Identity',
        message:
          `The agent on ${who(ctx)} falls back to a system-assigned identity, which Flexible scale sets cannot have: ` +
          `assign a user-assigned identity to the scale set and set spec.agent.userAssignedIdentity (with manageExtension: true).`,
      }),
    ];
  }
  const system = hasSystemIdentity(ctx);
  if (uamis.length > 1) {
    // With a system identity the agent still gets a token (the default one); without it, it gets none.
    return [
      {
        finding: finding(
          'AmbiguousIdentity',
          system ? 'Warning' : 'Error',
          ctx.machine.id,
          'Identity',
          `${who(ctx)} has ${uamis.length} user-assigned identities and the agent extension names none` +
            (system ? ', so the agent silently uses the system-assigned identity' : ', so the agent cannot pick one') +
            `: set spec.agent.userAssignedIdentity (with manageExtension: true) or name one in the extension settings.`,
        ),
        fixable: false,
      },
    ];
  }
  if (!system) {
    return [
      error(ctx, {
        code: 'SystemIdentityMissing',
        stage: 'Identity',
        message:
          `${who(ctx)} has no system-assigned identity and the agent extension names no other, so the agent cannot authenticate: ` +
          `enable the system-assigned identity, or set spec.agent.userAssignedIdentity (with manageExtension: true).`,
      }),
    ];
  }
  return [
    {
      finding: finding(
        'ImplicitSystemIdentity',
        'Info',
        ctx.machine.id,
        'Identity',
        `The agent on ${who(ctx)} authenticates with the system-assigned identity implicitly (no authentication block in the extension): ` +
          `account for it when moving to a user-assigned identity.`,
      ),
      fixable: false,
    },
  ];
}

/** Requirement 5 for one machine: extension present, identity assigned and named. */
export function checkAgentIdentity(ctx: IdentityContext): IdentityAssessment {
  const extension = checkAgentExtension(ctx);
  const identity = ctx.userAssignedIdentity
    ? checkUserAssignedIdentity(ctx, ctx.userAssignedIdentity)
    : { findings: checkDefaultIdentity(ctx) };
  return { ...identity, findings: [...extension, ...identity.findings] };
}


/** A Flexible scale set's profile that does not name the identity: every new instance starts misconfigured. */
export function checkScaleSetProfile(scaleSet: ObservedScaleSet, identityId: string): Finding | undefined {
  const ext = scaleSet.agentExtension;
  if (!ext || namesIdentity(ext, identityId)) return undefined;
  return finding(
    'ExtensionIdentityMismatch',
    'Warning',
    scaleSet.id,
    'Identity',
    `The agent extension ${ext.name} in the model of ${describe(scaleSet.id)} does not name ${describe(identityId)}, so every new instance ` +
      `starts without a working identity until the controller repairs it: set settings.authentication.managedIdentity ` +
      `(identifier-name ${MI_RES_ID}) in the scale set's extension profile.`,
  );
}
