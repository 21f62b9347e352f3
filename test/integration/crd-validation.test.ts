// The apiserver itself refuses bad MonitoringTopology objects, with an error that names the field.
import { describe, expect, it } from 'vitest';
import type { AccessModes, MonitoringTopologySpec, TagSelector } from '../../src/api/types.ts';
import { applyYaml, useTestNamespace } from '../support/kube.ts';
import { ids, topology, topologySpec } from './crd-fixtures.ts';

const ns = useTestNamespace('crd-validation');

// Edits of a valid spec; some send what the types forbid, which is the point.
type Loose = MonitoringTopologySpec;
const drop = (s: Loose, field: 'privateLinkScope' | 'configurationEndpoint' | 'targets'): void => {
  delete (s as Partial<Loose>)[field];
};

interface Case {
  name: string;
  edit: (spec: Loose) => void;
  /** Field path the error must name. */
  field: string;
  /** Part of the message. */
  message: string | RegExp;
}

const many = (n: number, id: (i: number) => string): string[] => Array.from({ length: n }, (_, i) => id(i));

const cases: Case[] = [
  // Wrong resource type in an id field.
  {
    name: 'rule id is an endpoint',
    edit: (s) => (s.dataCollectionRules = [{ resourceId: ids.endpoint }]),
    field: 'spec.dataCollectionRules[0].resourceId',
    message: 'must be the id of a data collection rule',
  },
  {
    name: 'configuration endpoint is a rule',
    edit: (s) => (s.configurationEndpoint = { resourceId: ids.rule() }),
    field: 'spec.configurationEndpoint.resourceId',
    message: 'must be the id of a data collection endpoint',
  },
  {
    name: 'scope is a workspace',
    edit: (s) => (s.privateLinkScope.resourceId = ids.workspace),
    field: 'spec.privateLinkScope.resourceId',
    message: 'must be the id of an Azure Monitor private link scope',
  },
  {
    name: 'scoped resource is a virtual machine',
    edit: (s) => (s.privateLinkScope.scopedResources = [{ resourceId: ids.vm() }]),
    field: 'spec.privateLinkScope.scopedResources[0].resourceId',
    message: 'must be the id of a Log Analytics workspace or a data collection endpoint',
  },
  {
    name: 'alsoLinkTo names an endpoint',
    edit: (s) => (s.privateLinkScope.alsoLinkTo = [ids.endpoint]),
    field: 'spec.privateLinkScope.alsoLinkTo[0]',
    message: 'private link scope',
  },
  {
    name: 'virtualMachines holds a scale set',
    edit: (s) => (s.targets.virtualMachines = [ids.scaleSet()]),
    field: 'spec.targets.virtualMachines[0]',
    message: 'must be the id of a virtual machine:',
  },
  {
    name: 'virtualMachineScaleSets holds a virtual machine',
    edit: (s) => (s.targets.virtualMachineScaleSets = [ids.vm()]),
    field: 'spec.targets.virtualMachineScaleSets[0]',
    message: 'must be the id of a virtual machine scale set',
  },
  {
    name: 'resourceGroups holds a virtual machine',
    edit: (s) => (s.targets.resourceGroups = [ids.vm()]),
    field: 'spec.targets.resourceGroups[0]',
    message: 'must be the id of a resource group',
  },
  {
    name: 'tagSelector.subscriptions holds a resource group',
    edit: (s) => (s.targets.tagSelector = { subscriptions: [ids.resourceGroup], matchTags: { env: 'prod' } }),
    field: 'spec.targets.tagSelector.subscriptions[0]',
    message: 'must be the id of a subscription',
  },
  {
    name: 'userAssignedIdentity is a virtual machine',
    edit: (s) => (s.agent = { userAssignedIdentity: ids.vm() }),
    field: 'spec.agent.userAssignedIdentity',
    message: 'must be the id of a user-assigned managed identity',
  },
  {
    name: 'exclude holds a rule',
    edit: (s) => (s.targets.exclude = [ids.rule()]),
    field: 'spec.targets.exclude[0]',
    message: 'must be the id of a virtual machine, a virtual machine scale set or an Azure Arc-enabled server',
  },
  {
    name: 'arcMachines holds a virtual machine',
    edit: (s) => (s.targets.arcMachines = [ids.vm()]),
    field: 'spec.targets.arcMachines[0]',
    message: 'must be the id of an Azure Arc-enabled server: /subscriptions/{subscriptionId}/resourceGroups/{resourceGroup}/providers/Microsoft.HybridCompute/machines/{name}',
  },
  {
    name: 'arcMachines holds an Arc private link scope',
    edit: (s) => (s.targets.arcMachines = [ids.arcScope]),
    field: 'spec.targets.arcMachines[0]',
    message: 'must be the id of an Azure Arc-enabled server',
  },
  {
    name: 'virtualMachines holds an Arc machine',
    edit: (s) => (s.targets.virtualMachines = [ids.arcMachine()]),
    field: 'spec.targets.virtualMachines[0]',
    message: 'must be the id of a virtual machine:',
  },
  {
    name: 'Arc machine name longer than 54 characters',
    edit: (s) => (s.targets.arcMachines = [ids.arcMachine('s'.repeat(55))]),
    field: 'spec.targets.arcMachines[0]',
    message: 'must be the id of an Azure Arc-enabled server',
  },
  {
    name: 'Arc machine name with a space',
    edit: (s) => (s.targets.arcMachines = [ids.arcMachine('srv onprem')]),
    field: 'spec.targets.arcMachines[0]',
    message: 'must be the id of an Azure Arc-enabled server',
  },
  // Malformed ids.
  {
    name: 'subscription is not a GUID',
    edit: (s) => (s.targets.virtualMachines = [ids.vm().replace(/subscriptions\/[^/]+/, 'subscriptions/prod')]),
    field: 'spec.targets.virtualMachines[0]',
    message: 'must be the id of a virtual machine',
  },
  {
    name: 'id has a trailing slash',
    edit: (s) => (s.dataCollectionRules = [{ resourceId: `${ids.rule()}/` }]),
    field: 'spec.dataCollectionRules[0].resourceId',
    message: 'must be the id of a data collection rule',
  },
  {
    name: 'a bare name instead of an id',
    edit: (s) => (s.targets.virtualMachines = ['vm-web-01']),
    field: 'spec.targets.virtualMachines[0]',
    message: 'must be the id of a virtual machine',
  },
  {
    name: 'id longer than 512 characters',
    edit: (s) => (s.targets.virtualMachines = [ids.vm('v'.repeat(500))]),
    field: 'spec.targets.virtualMachines[0]',
    message: /Too long/,
  },
  // Dot segments: the SDK's URL handling resolves them, so `resourceGroups/..` would list the whole subscription.
  {
    name: 'resource group ".."',
    edit: (s) => (s.targets.resourceGroups = [`${ids.subscription}/resourceGroups/..`]),
    field: 'spec.targets.resourceGroups[0]',
    message: 'no name may be "." or ".."',
  },
  {
    name: 'resource group "."',
    edit: (s) => (s.targets.resourceGroups = [`${ids.subscription}/resourceGroups/.`]),
    field: 'spec.targets.resourceGroups[0]',
    message: 'must be the id of a resource group',
  },
  {
    name: 'virtual machine in resource group ".."',
    edit: (s) => (s.targets.virtualMachines = [ids.vm().replace('rg-app-prod', '..')]),
    field: 'spec.targets.virtualMachines[0]',
    message: 'no name may be "." or ".."',
  },
  {
    name: 'virtual machine named ".."',
    edit: (s) => (s.targets.virtualMachines = [ids.vm('..')]),
    field: 'spec.targets.virtualMachines[0]',
    message: 'must be the id of a virtual machine',
  },
  {
    name: 'exclude names a scale set "."',
    edit: (s) => (s.targets.exclude = [ids.scaleSet('.')]),
    field: 'spec.targets.exclude[0]',
    message: 'must be the id of a virtual machine, a virtual machine scale set or an Azure Arc-enabled server',
  },
  {
    name: 'rule name ends with a period',
    edit: (s) => (s.dataCollectionRules = [{ resourceId: ids.rule('dcr.') }]),
    field: 'spec.dataCollectionRules[0].resourceId',
    message: 'must be the id of a data collection rule',
  },
  {
    name: 'scope in resource group ".."',
    edit: (s) => (s.privateLinkScope.resourceId = ids.scope.replace('rg-monitoring', '..')),
    field: 'spec.privateLinkScope.resourceId',
    message: 'must be the id of an Azure Monitor private link scope',
  },
  // Enums.
  {
    name: 'unknown mode',
    edit: (s) => (s.mode = 'Repair' as 'Audit'),
    field: 'spec.mode',
    message: 'Unsupported value',
  },
  {
    name: 'unknown access mode',
    edit: (s) => (s.privateLinkScope.accessModes = { ingestion: 'Private' as 'Open', query: 'Open' }),
    field: 'spec.privateLinkScope.accessModes.ingestion',
    message: 'Unsupported value',
  },
  {
    name: 'unknown deletion policy',
    edit: (s) => (s.deletionPolicy = 'Retain' as 'Orphan'),
    field: 'spec.deletionPolicy',
    message: 'Unsupported value',
  },
  // Durations.
  {
    name: 'discoveryInterval below 10s',
    edit: (s) => (s.discoveryInterval = '5s'),
    field: 'spec.discoveryInterval',
    message: 'from 10s to 24h',
  },
  {
    name: 'resyncInterval below 1m',
    edit: (s) => (s.resyncInterval = '45s'),
    field: 'spec.resyncInterval',
    message: 'from 1m to 24h',
  },
  {
    name: 'resyncInterval not a duration',
    edit: (s) => (s.resyncInterval = '10 minutes'),
    field: 'spec.resyncInterval',
    message: 'must be a duration such as 30s, 10m or 1h30m',
  },
  {
    name: 'discoveryInterval above 24h',
    edit: (s) => (s.discoveryInterval = '25h'),
    field: 'spec.discoveryInterval',
    message: 'from 10s to 24h',
  },
  // Required fields.
  {
    name: 'no privateLinkScope',
    edit: (s) => drop(s, 'privateLinkScope'),
    field: 'spec.privateLinkScope',
    message: 'Required value',
  },
  {
    name: 'no configurationEndpoint',
    edit: (s) => drop(s, 'configurationEndpoint'),
    field: 'spec.configurationEndpoint',
    message: 'Required value',
  },
  {
    name: 'no dataCollectionRules',
    edit: (s) => (s.dataCollectionRules = []),
    field: 'spec.dataCollectionRules',
    message: 'should have at least 1 items',
  },
  {
    name: 'no targets',
    edit: (s) => drop(s, 'targets'),
    field: 'spec.targets',
    message: 'Required value',
  },
  {
    name: 'accessModes without query',
    edit: (s) => (s.privateLinkScope.accessModes = { ingestion: 'PrivateOnly' } as unknown as AccessModes),
    field: 'spec.privateLinkScope.accessModes.query',
    message: 'Required value',
  },
  {
    name: 'tagSelector without matchTags',
    edit: (s) => (s.targets.tagSelector = { subscriptions: [ids.subscription] } as unknown as TagSelector),
    field: 'spec.targets.tagSelector.matchTags',
    message: 'Required value',
  },
  {
    name: 'dnsBoundary not a DNS label',
    edit: (s) => (s.privateLinkScope.dnsBoundary = 'Hub West Europe'),
    field: 'spec.privateLinkScope.dnsBoundary',
    message: 'must be a lowercase DNS label',
  },
  // Rules spanning fields.
  {
    name: 'targets select nothing (only exclude)',
    edit: (s) => (s.targets = { virtualMachines: [], exclude: [ids.vm()] }),
    field: 'spec.targets',
    message: 'must select at least one machine',
  },
  {
    name: 'targets select nothing (empty arcMachines)',
    edit: (s) => (s.targets = { arcMachines: [], exclude: [ids.arcMachine()] }),
    field: 'spec.targets',
    message: 'set virtualMachines, virtualMachineScaleSets, arcMachines, resourceGroups or tagSelector',
  },
  {
    name: 'manageExtension without userAssignedIdentity',
    edit: (s) => (s.agent = { manageExtension: true }),
    field: 'spec.agent.userAssignedIdentity',
    message: 'is required when manageExtension is true',
  },
  {
    name: 'alsoLinkTo contains the primary scope (other letter case)',
    edit: (s) => (s.privateLinkScope.alsoLinkTo = [ids.legacyScope, ids.scope.toUpperCase()]),
    field: 'spec.privateLinkScope.alsoLinkTo',
    message: 'must not contain the primary scope',
  },
  // Duplicates, compared case-insensitively.
  {
    name: 'duplicate Arc machines',
    edit: (s) => (s.targets.arcMachines = [ids.arcMachine(), ids.arcMachine().toUpperCase()]),
    field: 'spec.targets.arcMachines',
    message: 'must not contain the same id twice',
  },
  {
    name: 'duplicate virtual machines',
    edit: (s) => (s.targets.virtualMachines = [ids.vm(), ids.vm().toLowerCase()]),
    field: 'spec.targets.virtualMachines',
    message: 'must not contain the same id twice',
  },
  {
    name: 'duplicate rules',
    edit: (s) => (s.dataCollectionRules = [{ resourceId: ids.rule() }, { resourceId: ids.rule().toUpperCase() }]),
    field: 'spec.dataCollectionRules',
    message: 'must not contain the same resourceId twice',
  },
  {
    name: 'duplicate scoped resources',
    edit: (s) => (s.privateLinkScope.scopedResources = [{ resourceId: ids.workspace }, { resourceId: ids.workspace }]),
    field: 'spec.privateLinkScope.scopedResources',
    message: 'must not contain the same resourceId twice',
  },
  {
    name: 'duplicate subscriptions in the tag selector',
    edit: (s) =>
      (s.targets.tagSelector = {
        subscriptions: [ids.subscription, ids.subscription.toUpperCase()],
        matchTags: { env: 'prod' },
      }),
    field: 'spec.targets.tagSelector.subscriptions',
    message: 'must not contain the same id twice',
  },
  // Oversize lists.
  {
    name: 'more than 30 rules',
    edit: (s) => (s.dataCollectionRules = many(31, (i) => ids.rule(`dcr-${i}`)).map((resourceId) => ({ resourceId }))),
    field: 'spec.dataCollectionRules',
    message: /Too many: 31: must have at most 30 items/,
  },
  {
    name: 'more than 100 virtual machines',
    edit: (s) => (s.targets.virtualMachines = many(101, (i) => ids.vm(`vm-${i}`))),
    field: 'spec.targets.virtualMachines',
    message: /Too many: 101: must have at most 100 items/,
  },
];

// Valid edits the rules above must not refuse.
const valid: Omit<Case, 'field' | 'message'>[] = [
  { name: 'Arc machines alone as targets', edit: (s) => (s.targets = { arcMachines: [ids.arcMachine(), ids.arcMachine('SRV.Branch_02')] }) },
  { name: 'an Arc machine name of 54 characters', edit: (s) => (s.targets.arcMachines = [ids.arcMachine('s'.repeat(54))]) },
  { name: 'an excluded Arc machine', edit: (s) => (s.targets = { resourceGroups: [ids.resourceGroup], exclude: [ids.arcMachine()] }) },
];

describe.concurrent('the apiserver refuses invalid topologies', () => {
  it('accepts the valid base object', async () => {
    const res = await applyYaml(topology('valid'), { namespace: ns.name });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
  });

  it.for(valid)('accepts $name', async (c) => {
    const spec = topologySpec();
    c.edit(spec);
    const res = await kubectlDryRun(topology(`valid-${valid.indexOf(c)}`, spec));
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
  });

  it('accepts periods inside names (rg.app, vm.web.01)', async () => {
    const spec = topologySpec();
    spec.targets.virtualMachines = [ids.vm('vm.web.01').replace('rg-app-prod', 'rg.app')];
    spec.targets.resourceGroups = [`${ids.subscription}/resourceGroups/rg.(app)`];
    const res = await kubectlDryRun(topology('dotted', spec));
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
  });

  it.for(cases)('$name', async (c) => {
    const spec = topologySpec();
    c.edit(spec);
    const res = await kubectlDryRun(topology(`invalid-${cases.indexOf(c)}`, spec));
    expect(res.code, res.stdout).not.toBe(0);
    expect(res.stderr).toContain(`${c.field}:`);
    expect(res.stderr).toMatch(c.message);
  });
});

// Server-side dry run: full validation and admission, nothing stored.
function kubectlDryRun(obj: object) {
  return applyYaml(obj, { namespace: ns.name, dryRun: true });
}
