// The MonitoringTopology openAPIV3Schema: the one source of the CRD (hack/generate-crd.ts renders it).
// test/unit/api-schema.test.ts proves src/api/types.ts describes exactly what this schema accepts.
import { FINDING_CODES, LIFECYCLE_STAGES } from './types.ts';

// Longest ARM id accepted; bounds the CEL cost of every id rule.
const MAX_ID_LENGTH = 512;

// RE2 fragments (CEL `matches`): no backslashes, so they survive TS, YAML and CEL quoting unchanged.
const GUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
// No segment may end with a period: Azure refuses such names, and `.`/`..` are dot-segments the SDK's URL
// handling resolves away (`resourceGroups/..` would address the whole subscription).
// https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules ("Can't end with period")
const RESOURCE_GROUP = '[-a-z0-9_.()]{0,89}[-a-z0-9_()]';
const NAME = '[-a-z0-9_.]{0,259}[-a-z0-9_]';
/** Said in every id rule's message, since a refused `..` is otherwise puzzling. */
const NO_DOT_SEGMENTS = 'no name may be "." or ".." or end with a period';
const SUBSCRIPTION_ID = `/subscriptions/${GUID}`;
const RESOURCE_GROUP_ID = `${SUBSCRIPTION_ID}/resourceGroups/${RESOURCE_GROUP}`;

const SHAPE = '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroup}/providers';
const ARC_MACHINE_TYPE = 'Microsoft.HybridCompute/machines';

// Arc machine names: `^[a-zA-Z0-9-_\.]{1,54}$` (HybridCompute.json 2025-01-13, Machines_Get `machineName`).
const ARC_MACHINE_NAME = '[-a-z0-9_.]{1,54}';

/** The name fragment a resource type allows; NAME unless the provider's spec says narrower. */
const nameFor = (type: string): string => (type === ARC_MACHINE_TYPE ? ARC_MACHINE_NAME : NAME);

function typePattern(types: readonly string[]): string {
  const names = new Set(types.map(nameFor));
  const name = names.size === 1 ? [...names][0] : NAME;
  const alternatives = types.map((t) => t.replaceAll('.', '[.]'));
  const type = alternatives.length === 1 ? alternatives[0] : `(${alternatives.join('|')})`;
  return `${RESOURCE_GROUP_ID}/providers/${type}/${name}`;
}

function idRule(pattern: string, message: string) {
  return [{ rule: `self.matches('^(?i)${pattern}$')`, message }] as const;
}

/** A string holding the ARM id of a resource of one of `types`, compared case-insensitively. */
function resourceId(description: string, noun: string, types: readonly string[]) {
  const shapes = types.map((t) => `${SHAPE}/${t}/{name}`).join(' or ');
  return {
    type: 'string',
    description,
    maxLength: MAX_ID_LENGTH,
    'x-kubernetes-validations': idRule(typePattern(types), `must be the id of ${noun}: ${shapes} (${NO_DOT_SEGMENTS})`),
  } as const;
}

/** A list of ARM ids; no id may appear twice, in any letter case. */
function idList(description: string, maxItems: number, item: ReturnType<typeof resourceId>) {
  return {
    type: 'array',
    description,
    maxItems,
    items: item,
    'x-kubernetes-validations': [
      {
        rule: 'self.all(x, self.exists_one(y, y.lowerAscii() == x.lowerAscii()))',
        message: 'must not contain the same id twice (ARM ids are case-insensitive)',
      },
    ],
  } as const;
}

/** A list of `{ resourceId }` references; no id may appear twice, in any letter case. */
function refList(description: string, maxItems: number, minItems: number, item: ReturnType<typeof resourceRef>) {
  return {
    type: 'array',
    description,
    minItems,
    maxItems,
    items: item,
    'x-kubernetes-validations': [
      {
        rule: 'self.all(x, self.exists_one(y, y.resourceId.lowerAscii() == x.resourceId.lowerAscii()))',
        message: 'must not contain the same resourceId twice (ARM ids are case-insensitive)',
      },
    ],
  } as const;
}

function resourceRef(description: string, id: ReturnType<typeof resourceId>) {
  return {
    type: 'object',
    description,
    required: ['resourceId'],
    properties: { resourceId: id },
  } as const;
}

/** A Go duration (30s, 10m, 1h30m) between `min` and 24h. */
function duration(description: string, min: string, defaultValue: string) {
  return {
    type: 'string',
    description,
    default: defaultValue,
    maxLength: 32,
    'x-kubernetes-validations': [
      {
        rule: `self.matches('^([0-9]+([.][0-9]+)?(ns|us|ms|s|m|h))+$') && duration(self) >= duration('${min}') && duration(self) <= duration('24h')`,
        message: `must be a duration such as 30s, 10m or 1h30m, from ${min} to 24h`,
      },
    ],
  } as const;
}

const accessMode = (description: string) =>
  ({ type: 'string', description, enum: ['Open', 'PrivateOnly'] }) as const;

const privateLinkScopeId = (description: string) =>
  resourceId(description, 'an Azure Monitor private link scope', ['Microsoft.Insights/privateLinkScopes']);

const machineIdTypes = ['Microsoft.Compute/virtualMachines', 'Microsoft.Compute/virtualMachineScaleSets', ARC_MACHINE_TYPE] as const;

export const privateLinkScopeSchema = {
  type: 'object',
  description:
    'The Azure Monitor Private Link Scope (AMPLS) every machine sends its data through, and what it must contain.',
  required: ['resourceId'],
  properties: {
    resourceId: privateLinkScopeId('ARM id of the private link scope (Microsoft.Insights/privateLinkScopes).'),
    dnsBoundary: {
      type: 'string',
      description:
        'Optional name of the private DNS boundary (the networks sharing the privatelink.* DNS zones) this scope serves. The controller derives the boundary from Azure (zones, their virtual network links and records) and reports it in status.dnsBoundaries under this name; topologies naming the same boundary must also use the same scope, or link every resource to both, which covers networks Azure cannot show, such as ones resolving through custom DNS forwarders.',
      maxLength: 63,
      'x-kubernetes-validations': [
        {
          rule: "self.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')",
          message: 'must be a lowercase DNS label: letters, digits and "-", starting and ending with a letter or digit',
        },
      ],
    },
    accessModes: {
      type: 'object',
      description:
        'Ingestion and query access modes of the scope. PrivateOnly lets only private-link traffic reach the scoped resources and overrides their own public network settings.',
      required: ['ingestion', 'query'],
      properties: {
        ingestion: accessMode('Whether data may be ingested into scoped resources over public networks (Open) or only through private endpoints (PrivateOnly).'),
        query: accessMode('Whether scoped resources may be queried over public networks (Open) or only through private endpoints (PrivateOnly).'),
        exclusions: {
          type: 'array',
          description: 'Private endpoint connections that get their own access modes instead of the scope-wide ones.',
          maxItems: 50,
          items: {
            type: 'object',
            description: 'Access modes for one private endpoint connection of the scope.',
            required: ['privateEndpointConnectionName', 'ingestion', 'query'],
            properties: {
              privateEndpointConnectionName: {
                type: 'string',
                description: 'Name of the private endpoint connection on the scope.',
                minLength: 1,
                maxLength: 260,
              },
              ingestion: accessMode('Ingestion access mode for this connection.'),
              query: accessMode('Query access mode for this connection.'),
            },
          },
          'x-kubernetes-validations': [
            {
              rule: 'self.all(x, self.exists_one(y, y.privateEndpointConnectionName.lowerAscii() == x.privateEndpointConnectionName.lowerAscii()))',
              message: 'must not name the same private endpoint connection twice',
            },
          ],
        },
      },
    },
    scopedResources: refList(
      'Log Analytics workspaces and data collection endpoints that must be linked to the scope. The configuration endpoint and the endpoint of every rule are linked implicitly.',
      100,
      0,
      resourceRef(
        'A resource linked to the scope.',
        resourceId(
          'ARM id of a Log Analytics workspace (Microsoft.OperationalInsights/workspaces) or a data collection endpoint (Microsoft.Insights/dataCollectionEndpoints).',
          'a Log Analytics workspace or a data collection endpoint',
          ['Microsoft.OperationalInsights/workspaces', 'Microsoft.Insights/dataCollectionEndpoints'],
        ),
      ),
    ),
    alsoLinkTo: idList(
      'Other private link scopes every scoped resource must also be linked to, so two scopes can share a DNS boundary while migrating from one to the other.',
      5,
      privateLinkScopeId('ARM id of another private link scope (Microsoft.Insights/privateLinkScopes).'),
    ),
  },
  'x-kubernetes-validations': [
    {
      rule: '!has(self.alsoLinkTo) || !self.alsoLinkTo.exists(x, x.lowerAscii() == self.resourceId.lowerAscii())',
      message: 'must not contain the primary scope (privateLinkScope.resourceId)',
      fieldPath: '.alsoLinkTo',
    },
  ],
} as const;

export const targetsSchema = {
  type: 'object',
  description:
    'The machines that must be able to deliver data. The union of all selectors, minus exclude; at least one selector is required.',
  properties: {
    virtualMachines: idList(
      'Virtual machines, by ARM id.',
      100,
      resourceId('ARM id of a virtual machine (Microsoft.Compute/virtualMachines).', 'a virtual machine', [
        'Microsoft.Compute/virtualMachines',
      ]),
    ),
    virtualMachineScaleSets: idList(
      'Scale sets, by ARM id. Flexible scale sets are associated instance by instance (new instances are discovered); Uniform ones at the scale-set level.',
      100,
      resourceId(
        'ARM id of a virtual machine scale set (Microsoft.Compute/virtualMachineScaleSets).',
        'a virtual machine scale set',
        ['Microsoft.Compute/virtualMachineScaleSets'],
      ),
    ),
    arcMachines: idList(
      'Azure Arc-enabled servers (on premises or in other clouds), by ARM id. They get the same associations as virtual machines; the agent uses their system-assigned identity.',
      100,
      resourceId('ARM id of an Azure Arc-enabled server (Microsoft.HybridCompute/machines).', 'an Azure Arc-enabled server', [
        ARC_MACHINE_TYPE,
      ]),
    ),
    resourceGroups: idList('Resource groups whose virtual machines, scale sets and Azure Arc-enabled servers are all targets.', 100, {
      type: 'string',
      description: 'ARM id of a resource group.',
      maxLength: MAX_ID_LENGTH,
      'x-kubernetes-validations': idRule(
        RESOURCE_GROUP_ID,
        `must be the id of a resource group: /subscriptions/{subscriptionId}/resourceGroups/{resourceGroup} (${NO_DOT_SEGMENTS})`,
      ),
    }),
    tagSelector: {
      type: 'object',
      description:
        'Virtual machines, scale sets and Azure Arc-enabled servers in the given subscriptions that carry every one of the given tags.',
      required: ['subscriptions', 'matchTags'],
      properties: {
        subscriptions: {
          ...idList('Subscriptions to search.', 50, {
            type: 'string',
            description: 'ARM id of a subscription.',
            maxLength: MAX_ID_LENGTH,
            'x-kubernetes-validations': idRule(
              SUBSCRIPTION_ID,
              'must be the id of a subscription: /subscriptions/{subscriptionId}',
            ),
          }),
          minItems: 1,
        },
        matchTags: {
          type: 'object',
          description: 'Tags a machine must carry, name to value (tag names compare case-insensitively in Azure, values exactly).',
          minProperties: 1,
          maxProperties: 50,
          additionalProperties: { type: 'string', description: 'Tag value.', maxLength: 256 },
          'x-kubernetes-validations': [
            { rule: 'self.all(k, size(k) <= 512)', message: 'tag names must be at most 512 characters' },
          ],
        },
      },
    },
    exclude: idList(
      'Virtual machines, scale sets and Azure Arc-enabled servers never touched, even when a selector matches them.',
      100,
      resourceId(
        'ARM id of a virtual machine, scale set or Azure Arc-enabled server.',
        'a virtual machine, a virtual machine scale set or an Azure Arc-enabled server',
        machineIdTypes,
      ),
    ),
  },
  'x-kubernetes-validations': [
    {
      rule: '(has(self.virtualMachines) && size(self.virtualMachines) > 0) || (has(self.virtualMachineScaleSets) && size(self.virtualMachineScaleSets) > 0) || (has(self.arcMachines) && size(self.arcMachines) > 0) || (has(self.resourceGroups) && size(self.resourceGroups) > 0) || has(self.tagSelector)',
      message: 'must select at least one machine: set virtualMachines, virtualMachineScaleSets, arcMachines, resourceGroups or tagSelector',
    },
  ],
} as const;

export const specSchema = {
  type: 'object',
  description: 'The desired monitoring topology.',
  required: ['privateLinkScope', 'configurationEndpoint', 'dataCollectionRules', 'targets'],
  properties: {
    mode: {
      type: 'string',
      description:
        'Enforce repairs what differs from this spec; Audit changes nothing and reports the plan Enforce would carry out.',
      enum: ['Enforce', 'Audit'],
      default: 'Enforce',
    },
    resyncInterval: duration('How often the whole Azure state is read again (Go duration, at least 1m).', '1m', '10m'),
    discoveryInterval: duration(
      'How often targets are listed to find new machines and scale-set instances (Go duration, at least 10s).',
      '10s',
      '20s',
    ),
    evidence: {
      type: 'object',
      description:
        'Proof of delivery: read each machine\'s latest heartbeat and rule data from the Log Analytics workspaces the rules send to. Present: enabled, and Ready also requires delivery; absent: configuration only.',
      properties: {
        interval: duration('How often the workspaces are queried (Go duration, at least 30s; two queries per workspace per pass).', '30s', '5m'),
        window: duration('Data younger than this counts as arriving (Go duration, at least 1m): heartbeats come every minute, ingestion takes minutes.', '1m', '15m'),
      },
      'x-kubernetes-validations': [
        {
          rule: '!has(self.interval) || !has(self.window) || duration(self.window) >= duration(self.interval)',
          message: 'window must be at least interval, or machines would look silent between two reads',
          fieldPath: '.window',
        },
      ],
    },
    privateLinkScope: privateLinkScopeSchema,
    configurationEndpoint: resourceRef(
      'The data collection endpoint agents fetch their configuration from; every machine gets an endpoint association named configurationAccessEndpoint to it.',
      resourceId(
        'ARM id of a data collection endpoint (Microsoft.Insights/dataCollectionEndpoints).',
        'a data collection endpoint',
        ['Microsoft.Insights/dataCollectionEndpoints'],
      ),
    ),
    dataCollectionRules: refList(
      'Data collection rules associated with every machine. The agent applies all of them (there is no priority); at most 30 per machine.',
      30,
      1,
      resourceRef(
        'A data collection rule.',
        resourceId(
          'ARM id of a data collection rule (Microsoft.Insights/dataCollectionRules).',
          'a data collection rule',
          ['Microsoft.Insights/dataCollectionRules'],
        ),
      ),
    ),
    targets: targetsSchema,
    agent: {
      type: 'object',
      description: 'How the Azure Monitor Agent on each machine authenticates.',
      properties: {
        userAssignedIdentity: resourceId(
          'ARM id of the user-assigned managed identity the agent uses (Microsoft.ManagedIdentity/userAssignedIdentities). It must be assigned to every machine. Without it, machines need a system-assigned identity.',
          'a user-assigned managed identity',
          ['Microsoft.ManagedIdentity/userAssignedIdentities'],
        ),
        manageExtension: {
          type: 'boolean',
          description:
            "Repair the Azure Monitor Agent extension's settings so it authenticates with userAssignedIdentity (requires userAssignedIdentity).",
          default: false,
        },
      },
      'x-kubernetes-validations': [
        {
          rule: '!(has(self.manageExtension) && self.manageExtension) || has(self.userAssignedIdentity)',
          message: 'is required when manageExtension is true',
          fieldPath: '.userAssignedIdentity',
          reason: 'FieldValueRequired',
        },
      ],
    },
    deletionPolicy: {
      type: 'string',
      description:
        'What happens to the associations and scope links this topology created when it is deleted: Orphan leaves them, Delete removes them. Nothing it did not create is ever removed.',
      enum: ['Orphan', 'Delete'],
      default: 'Orphan',
    },
    prune: {
      type: 'boolean',
      description:
        'Remove the associations this topology created (those carrying its marker) on machines the targets no longer select, and for rules the spec no longer names once every rule the spec names is associated with that machine. Nothing without its marker is ever removed; false leaves them in place.',
      default: false,
    },
  },
} as const;

const count = (description: string) => ({ type: 'integer', format: 'int64', minimum: 0, description }) as const;

const conditionSchema = {
  type: 'object',
  description: 'One aspect of the topology state (Kubernetes condition conventions).',
  required: ['type', 'status', 'reason', 'message', 'lastTransitionTime'],
  properties: {
    type: {
      type: 'string',
      description:
        'Condition type: Ready, Reconciling, Stalled, PrivateLinkScopeReady, AssociationsReady, AgentIdentityReady or DnsBoundaryReady.',
      maxLength: 316,
    },
    status: { type: 'string', description: 'True, False or Unknown.', enum: ['True', 'False', 'Unknown'] },
    reason: { type: 'string', description: 'Why the condition has this status, in CamelCase.', maxLength: 1024 },
    message: { type: 'string', description: 'What a person should know, as a sentence.', maxLength: 32768 },
    lastTransitionTime: {
      type: 'string',
      format: 'date-time',
      description: 'When the status last changed.',
    },
    observedGeneration: {
      type: 'integer',
      format: 'int64',
      minimum: 0,
      description: 'The metadata.generation the condition was computed from.',
    },
  },
} as const;

export const statusSchema = {
  type: 'object',
  description: 'What the controller last observed and did.',
  properties: {
    observedGeneration: {
      type: 'integer',
      format: 'int64',
      minimum: 0,
      description: 'The metadata.generation this status describes.',
    },
    lastSyncTime: {
      type: 'string',
      format: 'date-time',
      description:
        'When a pass last read in full, without a failed read, the Azure state the spec names. When nothing else in the status changed it is written at most once per half resyncInterval, so it may lag the last full read by up to that long.',
    },
    conditions: {
      type: 'array',
      description:
        'Ready, Reconciling and Stalled summarise the topology; PrivateLinkScopeReady, AssociationsReady, AgentIdentityReady and DnsBoundaryReady explain it.',
      maxItems: 16,
      items: conditionSchema,
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
    },
    instances: {
      type: 'object',
      description: 'Target machines (virtual machines and scale-set instances) by state.',
      required: ['total', 'compliant', 'pending', 'failing', 'excluded'],
      properties: {
        total: count('Machines selected by the targets, excluded ones not counted.'),
        compliant: count('Machines with every association, identity and setting in place.'),
        pending: count('Machines being repaired.'),
        failing: count('Machines that cannot deliver data and were not repaired (see findings).'),
        excluded: count('Machines matched by a selector but excluded.'),
        delivering: count('Machines whose heartbeat and every rule\'s data arrive (only with spec.evidence).'),
      },
    },
    delivery: {
      type: 'object',
      description: 'Delivery evidence read from Log Analytics (only with spec.evidence).',
      properties: {
        lastReadTime: { type: 'string', format: 'date-time', description: 'When the workspaces were last queried.' },
        workspaces: count('Workspaces queried in the last evidence pass.'),
        queries: count('Queries the last evidence pass sent (two per workspace at most, whatever the number of machines).'),
        delivering: count('Heartbeat and every rule\'s data within the window.'),
        heartbeatOnly: count('Heartbeat but some rule\'s data missing (stage Collection or Ingestion).'),
        silent: count('No heartbeat within the window.'),
        notExpected: count('Rules send nothing to a workspace (Azure Monitor Metrics only).'),
        unknown: count('Evidence could not be read.'),
      },
    },
    findings: {
      type: 'array',
      description: 'Problems found, most severe first, at most 50 (findingCount has the full number).',
      maxItems: 50,
      items: {
        type: 'object',
        description: 'One problem with one resource.',
        required: ['code', 'severity', 'resourceId', 'stage', 'message'],
        properties: {
          code: { type: 'string', description: 'What is wrong, as a stable CamelCase code.', enum: FINDING_CODES },
          severity: { type: 'string', description: 'Error, Warning or Info.', enum: ['Error', 'Warning', 'Info'] },
          resourceId: { type: 'string', description: 'ARM id of the resource concerned.', maxLength: 1024 },
          stage: {
            type: 'string',
            description:
              'First failing stage of the agent lifecycle: Extension, Identity, ConfigurationEndpoint, Rules, Collection, Ingestion, or Guest (what only the machine can show).',
            enum: LIFECYCLE_STAGES,
          },
          message: { type: 'string', description: 'What is wrong and what to do about it.', maxLength: 4096 },
        },
      },
    },
    findingCount: count('Number of findings before the list was truncated.'),
    plan: {
      type: 'object',
      description: 'In Audit mode: the actions Enforce would take.',
      required: ['total', 'counts', 'sample'],
      properties: {
        total: count('Number of actions Enforce would take.'),
        counts: {
          type: 'object',
          description: 'Number of actions by kind.',
          maxProperties: 64,
          additionalProperties: { type: 'integer', format: 'int64', minimum: 0, description: 'Number of actions.' },
        },
        sample: {
          type: 'array',
          description: 'Some of the actions, at most 20.',
          maxItems: 20,
          items: {
            type: 'object',
            description: 'One planned action.',
            required: ['action', 'resourceId', 'reason'],
            properties: {
              action: { type: 'string', description: 'Kind of action.', maxLength: 128 },
              resourceId: { type: 'string', description: 'ARM id the action would create, change or delete.', maxLength: 1024 },
              reason: { type: 'string', description: 'Why the action is needed.', maxLength: 1024 },
            },
          },
        },
      },
    },
    inventory: {
      type: 'object',
      description: 'What this topology created in Azure, so it removes only what it owns.',
      properties: {
        scopedResources: {
          type: 'array',
          description: 'Scoped resources this topology added to private link scopes.',
          maxItems: 1000,
          items: {
            type: 'object',
            description: 'A scoped resource created by this topology.',
            required: ['scopeId', 'name', 'linkedResourceId'],
            properties: {
              scopeId: { type: 'string', description: 'ARM id of the private link scope.', maxLength: 1024 },
              name: { type: 'string', description: 'Name of the scoped resource in the scope.', maxLength: 260 },
              linkedResourceId: { type: 'string', description: 'ARM id of the linked resource.', maxLength: 1024 },
            },
          },
        },
        dataCollectionRules: {
          type: 'array',
          description:
            'Data collection rules this topology has associated machines with, including rules since dropped from the spec: deletion and pruning list their associations. Where to look only; ownership is read from each association.',
          maxItems: 1000,
          items: { type: 'string', description: 'ARM id of a data collection rule.', maxLength: 1024 },
        },
        dataCollectionEndpoints: {
          type: 'array',
          description: 'Data collection endpoints this topology has associated machines with, including earlier ones, listed like dataCollectionRules.',
          maxItems: 1000,
          items: { type: 'string', description: 'ARM id of a data collection endpoint.', maxLength: 1024 },
        },
      },
    },
    dnsBoundaries: {
      type: 'array',
      description: 'DNS boundaries derived from Azure: private DNS zones and the virtual networks linked to them, with the scopes writing them.',
      maxItems: 20,
      items: {
        type: 'object',
        description: 'One DNS boundary.',
        required: ['name', 'zoneResourceGroup', 'virtualNetworks', 'privateLinkScopes', 'machines'],
        properties: {
          name: { type: 'string', description: "The spec's dnsBoundary for the scope's own boundary, otherwise the zones' resource group.", maxLength: 260 },
          zoneResourceGroup: { type: 'string', description: 'Resource group of the private DNS zones.', maxLength: 260 },
          virtualNetworks: {
            type: 'array',
            description: 'Virtual networks linked to the zones (at most 20 listed).',
            maxItems: 20,
            items: { type: 'string', description: 'ARM id of a virtual network.', maxLength: 1024 },
          },
          privateLinkScopes: {
            type: 'array',
            description: 'Private link scopes whose private endpoints write the zones.',
            maxItems: 20,
            items: { type: 'string', description: 'ARM id of a private link scope.', maxLength: 1024 },
          },
          machines: count('Target machines resolving through the boundary.'),
        },
      },
    },
  },
} as const;

export const monitoringTopologySchema = {
  type: 'object',
  description:
    'A monitoring topology: the private link scope, data collection endpoint, rules and agent identity a set of Azure machines must use, enforced continuously.',
  required: ['spec'],
  properties: {
    apiVersion: {
      type: 'string',
      description:
        'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values.',
    },
    kind: {
      type: 'string',
      description:
        'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to.',
    },
    // The apiserver owns metadata's schema and refuses anything here but the type.
    metadata: { type: 'object' },
    spec: specSchema,
    status: statusSchema,
  },
} as const;
