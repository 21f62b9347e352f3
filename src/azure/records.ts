// The observed shapes that exist once per machine, built by constructor: V8 then keeps the fields set right after
// construction (etag, osType) inside the object instead of in a second array per object, about 40 bytes less for each
// association, extension and machine. A field set long after (a machine's agent extension) is one of the
// constructor's. Fields never set stay absent.
import { ownString } from '../model/index.ts';
import type { MachineKind, ObservedAgentExtension, ObservedAssociation, ObservedIdentity, ObservedMachine } from '../model/index.ts';

/** The plain shape of a record, as a log line or a status message shows it: fields never set are left out. */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** How ARM spells the path from a resource's id to one of its associations. */
export const ASSOCIATION_PATH = '/providers/Microsoft.Insights/dataCollectionRuleAssociations/';

/**
 * An association's id is its resource's id, this path and its name: the record keeps the id only when ARM spelled it
 * otherwise, and derives it on demand. Once `resourceId` is the machine's own id string, an association costs no id
 * of its own: 300,000 associations held 66 MB of ids at 100,000 machines.
 */
export class AssociationRecord implements ObservedAssociation {
  name: string;
  resourceId: string;
  /**
   * The id as read, set only when it is not `resourceId + ASSOCIATION_PATH + name` character for character: a field
   * every record carried would cost 2.4 MB at 300,000 associations, and ARM spells nearly every id that way.
   */
  declare spelled?: string;
  /** `id` undefined: the id is `resourceId + ASSOCIATION_PATH + name` (Resource Graph's rows spell it so by construction). */
  constructor(id: string | undefined, name: string, resourceId: string) {
    this.name = name;
    this.resourceId = resourceId;
    if (id !== undefined && (id.length !== resourceId.length + ASSOCIATION_PATH.length + name.length || id !== `${resourceId}${ASSOCIATION_PATH}${name}`)) this.spelled = id;
  }

  get id(): string {
    return this.spelled ?? `${this.resourceId}${ASSOCIATION_PATH}${this.name}`;
  }

  set id(id: string) {
    if (id !== `${this.resourceId}${ASSOCIATION_PATH}${this.name}`) this.spelled = id;
    else if (this.spelled !== undefined) this.spelled = undefined;
  }

  /** The plain shape, as a log line or a status message would show it. */
  toJSON(): ObservedAssociation {
    const { id, name, resourceId, dataCollectionRuleId, dataCollectionEndpointId, description, etag } = this as ObservedAssociation;
    return defined({ id, name, resourceId, dataCollectionRuleId, dataCollectionEndpointId, description, etag });
  }
}

/** How an extension's id continues its machine's (or scale set's) id. */
const EXTENSION_PATH = '/extensions/';

/**
 * An agent extension's id is its machine's id, `/extensions/` and its name: as with associations, the record keeps
 * the id only when it is spelled otherwise, and refers to the machine's own id string once `ownedBy` has named it.
 */
export class AgentExtensionRecord implements ObservedAgentExtension {
  name: string;
  type: string;
  publisher: string;
  settings: Record<string, unknown>;
  /** The machine's id, when the extension's id is that, the path and the name. */
  owner: string | undefined;
  /** The id as read, when it is not `owner + EXTENSION_PATH + name`. */
  spelled: string | undefined;
  constructor(id: string, name: string, type: string, publisher: string, settings: Record<string, unknown>) {
    this.name = name;
    this.type = type;
    this.publisher = publisher;
    this.settings = settings;
    const cut = id.length - EXTENSION_PATH.length - name.length;
    const canonical = cut > 0 && id.endsWith(name) && id.startsWith(EXTENSION_PATH, cut);
    // A copy, not a slice: a slice would keep the whole id alive until `ownedBy` names the machine.
    this.owner = canonical ? ownString(id.slice(0, cut)) : undefined;
    this.spelled = canonical ? undefined : id;
  }

  get id(): string {
    return this.spelled ?? `${this.owner ?? ''}${EXTENSION_PATH}${this.name}`;
  }

  set id(id: string) {
    this.owner = undefined;
    this.spelled = id;
  }

  /** Refers to the machine by the machine's own id string (the one it was read with), not by a copy of its own. */
  ownedBy(machineId: string): void {
    if (this.owner === machineId) this.owner = machineId;
  }

  toJSON(): ObservedAgentExtension {
    const { id, name, type, publisher, typeHandlerVersion, provisioningState, settings } = this as ObservedAgentExtension;
    return defined({ id, name, type, publisher, typeHandlerVersion, provisioningState, settings });
  }
}

export class MachineRecord implements ObservedMachine {
  id: string;
  kind: MachineKind;
  identity: ObservedIdentity;
  tags: Record<string, string>;
  selectedBy: string;
  /**
   * Undefined until read (`attachAgent`), but a field from the start: set later, on a machine whose shape V8 has
   * settled, it went to an array of its own (40 bytes a machine, 4 MB at 100,000).
   */
  agentExtension: ObservedAgentExtension | null | undefined;
  constructor(id: string, kind: MachineKind, identity: ObservedIdentity, tags: Record<string, string>, selectedBy: string) {
    this.id = id;
    this.kind = kind;
    this.identity = identity;
    this.tags = tags;
    this.selectedBy = selectedBy;
    this.agentExtension = undefined;
  }
}

/** Gives the machine its agent extension (null: none installed), which then refers to the machine by its id string. */
export function attachAgent(m: ObservedMachine, agent: ObservedAgentExtension | null): void {
  if (agent instanceof AgentExtensionRecord) agent.ownedBy(m.id);
  m.agentExtension = agent;
}
