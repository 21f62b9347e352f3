// What a person does about a finding only a person may resolve: name the agent's identity through ARM, as
// `az vm extension set` would, then ask the controller to look again now rather than at the next resync.
import tls from 'node:tls';
import { ComputeManagementClient } from '@azure/arm-compute';
import { PrivateDnsManagementClient } from '@azure/arm-privatedns';
import { ClientSecretCredential } from '@azure/identity';
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';
import { GROUP, PLURAL, RECONCILE_REQUESTED_AT, VERSION } from '../api/types.ts';
import type { RunningEmulator } from '../emulator/index.ts';

export interface AgentIdentityChoice {
  subscriptionId: string;
  resourceGroup: string;
  vmName: string;
  extensionName: string;
  identityId: string;
}

/** The settings the Azure Monitor Agent reads to pick one user-assigned identity. */
export function agentIdentitySettings(identityId: string): Record<string, unknown> {
  return { authentication: { managedIdentity: { 'identifier-name': 'mi_res_id', 'identifier-value': identityId } } };
}

/** The Azure CLI command a person would type for the same change. */
export function azCommand(c: AgentIdentityChoice, publisher: string): string {
  return [
    'az vm extension set',
    `--subscription ${c.subscriptionId}`,
    `--resource-group ${c.resourceGroup}`,
    `--vm-name ${c.vmName}`,
    `--name ${c.extensionName}`,
    `--publisher ${publisher}`,
    `--settings '${JSON.stringify(agentIdentitySettings(c.identityId))}'`,
  ].join(' ');
}

/**
 * Names the identity in the agent extension's settings with the official compute client, signed in as the
 * emulator's own principal (the person, not the controller); returns the equivalent az command.
 */
export async function nameAgentIdentity(arm: RunningEmulator, c: AgentIdentityChoice): Promise<string> {
  // The emulator's CA: the same trust the controller gets through --azure-ca-file.
  if (!tls.getCACertificates('default').includes(arm.caCertPem)) {
    tls.setDefaultCACertificates([...tls.getCACertificates('default'), arm.caCertPem]);
  }
  const credential = new ClientSecretCredential(arm.tenantId, arm.clientId, arm.clientSecret, {
    authorityHost: arm.authorityHost,
    disableInstanceDiscovery: true,
  });
  const compute = new ComputeManagementClient(credential, c.subscriptionId, {
    endpoint: arm.url,
    credentials: { scopes: ['https://management.azure.com/.default'] },
  });
  const current = await compute.virtualMachineExtensions.get(c.resourceGroup, c.vmName, c.extensionName);
  const settings = { ...((current.settings ?? {}) as Record<string, unknown>), ...agentIdentitySettings(c.identityId) };
  // A PUT of the whole extension with the new settings, as `az vm extension set` sends.
  await compute.virtualMachineExtensions.beginCreateOrUpdateAndWait(
    c.resourceGroup,
    c.vmName,
    c.extensionName,
    {
      location: current.location,
      publisher: current.publisher,
      typePropertiesType: current.typePropertiesType,
      typeHandlerVersion: current.typeHandlerVersion,
      autoUpgradeMinorVersion: current.autoUpgradeMinorVersion,
      enableAutomaticUpgrade: current.enableAutomaticUpgrade,
      settings,
    },
    { updateIntervalInMs: 250 },
  );
  return azCommand(c, current.publisher ?? 'Microsoft.Azure.Monitor');
}

function personCredential(arm: RunningEmulator): ClientSecretCredential {
  if (!tls.getCACertificates('default').includes(arm.caCertPem)) {
    tls.setDefaultCACertificates([...tls.getCACertificates('default'), arm.caCertPem]);
  }
  return new ClientSecretCredential(arm.tenantId, arm.clientId, arm.clientSecret, { authorityHost: arm.authorityHost, disableInstanceDiscovery: true });
}

/**
 * Links a virtual network to private DNS zones with the official private DNS client, signed in as the person
 * (the controller never writes DNS); returns the equivalent az commands.
 */
export async function linkNetworkToZones(arm: RunningEmulator, zoneGroupId: string, zones: readonly string[], networkId: string): Promise<string[]> {
  const [, , subscriptionId = '', , resourceGroup = ''] = zoneGroupId.split('/');
  const dns = new PrivateDnsManagementClient(personCredential(arm), subscriptionId, { endpoint: arm.url, credentials: { scopes: ['https://management.azure.com/.default'] } });
  const link = `${networkId.split('/').pop() ?? 'network'}-link`;
  const commands: string[] = [];
  for (const zone of zones) {
    await dns.virtualNetworkLinks.createOrUpdate(resourceGroup, zone, link, { location: 'global', virtualNetwork: { id: networkId }, registrationEnabled: false }, { updateIntervalInMs: 100 });
    commands.push(`az network private-dns link vnet create --subscription ${subscriptionId} --resource-group ${resourceGroup} --zone-name ${zone} --name ${link} --virtual-network ${networkId} --registration-enabled false`);
  }
  return commands;
}

/** Adds a scope to the topology's alsoLinkTo, as `kubectl patch --type=merge` would: every resource is then linked to both. */
export async function alsoLinkTo(kubeConfig: KubeConfig, namespace: string, name: string, scopes: string[]): Promise<string> {
  const body = { spec: { privateLinkScope: { alsoLinkTo: scopes } } };
  await kubeConfig.makeApiClient(CustomObjectsApi).patchNamespacedCustomObject(
    { group: GROUP, version: VERSION, plural: PLURAL, namespace, name, body },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  return `kubectl patch mtopo ${name} --type=merge -p '${JSON.stringify(body)}'`;
}

/** Sets the reconcile-requested-at annotation, as `kubectl annotate --overwrite` would; returns its value. */
export async function requestReconcile(kubeConfig: KubeConfig, namespace: string, name: string, at = new Date()): Promise<string> {
  const value = at.toISOString();
  await kubeConfig.makeApiClient(CustomObjectsApi).patchNamespacedCustomObject(
    { group: GROUP, version: VERSION, plural: PLURAL, namespace, name, body: { metadata: { annotations: { [RECONCILE_REQUESTED_AT]: value } } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  return value;
}
