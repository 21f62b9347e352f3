// The observed shapes that exist once per machine, built by constructor: V8 then keeps the fields set after
// construction (etag, osType, the agent extension read later) inside the object instead of in a second array per
// object, about 40 bytes less for each association, extension and machine. Fields never set stay absent.
import type { MachineKind, ObservedAgentExtension, ObservedAssociation, ObservedIdentity, ObservedMachine } from '../model/index.ts';

export class AssociationRecord implements ObservedAssociation {
  id: string;
  name: string;
  resourceId: string;
  constructor(id: string, name: string, resourceId: string) {
    this.id = id;
    this.name = name;
    this.resourceId = resourceId;
  }
}

export class AgentExtensionRecord implements ObservedAgentExtension {
  id: string;
  name: string;
  type: string;
  publisher: string;
  settings: Record<string, unknown>;
  constructor(id: string, name: string, type: string, publisher: string, settings: Record<string, unknown>) {
    this.id = id;
    this.name = name;
    this.type = type;
    this.publisher = publisher;
    this.settings = settings;
  }
}

export class MachineRecord implements ObservedMachine {
  id: string;
  kind: MachineKind;
  identity: ObservedIdentity;
  tags: Record<string, string>;
  selectedBy: string;
  constructor(id: string, kind: MachineKind, identity: ObservedIdentity, tags: Record<string, string>, selectedBy: string) {
    this.id = id;
    this.kind = kind;
    this.identity = identity;
    this.tags = tags;
    this.selectedBy = selectedBy;
  }
}
