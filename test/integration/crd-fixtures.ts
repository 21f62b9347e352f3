// Realistic MonitoringTopology objects for tests: valid ARM ids of each resource type.
import { API_VERSION, KIND } from '../../src/api/types.ts';
import type { MonitoringTopologySpec } from '../../src/api/types.ts';

export const MONITORING_SUBSCRIPTION = '8d3c6e2a-4f1b-4c7e-9a5d-2b6f0e1c3d4a';
export const APP_SUBSCRIPTION = '5f2a9c1e-7b3d-4e8f-a6c2-9d1e4b7f0a3c';

const monitoringRg = `/subscriptions/${MONITORING_SUBSCRIPTION}/resourceGroups/rg-monitoring`;
const appRg = `/subscriptions/${APP_SUBSCRIPTION}/resourceGroups/rg-app-prod`;

export const ids = {
  scope: `${monitoringRg}/providers/Microsoft.Insights/privateLinkScopes/ampls-hub`,
  legacyScope: `${monitoringRg}/providers/Microsoft.Insights/privateLinkScopes/ampls-legacy`,
  workspace: `${monitoringRg}/providers/Microsoft.OperationalInsights/workspaces/law-platform`,
  endpoint: `${monitoringRg}/providers/Microsoft.Insights/dataCollectionEndpoints/dce-weu`,
  rule: (name = 'dcr-linux-syslog') => `${monitoringRg}/providers/Microsoft.Insights/dataCollectionRules/${name}`,
  identity: `${monitoringRg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-ama`,
  vm: (name = 'vm-web-01') => `${appRg}/providers/Microsoft.Compute/virtualMachines/${name}`,
  arcMachine: (name = 'srv-onprem-01') => `${appRg}/providers/Microsoft.HybridCompute/machines/${name}`,
  arcScope: `${monitoringRg}/providers/Microsoft.HybridCompute/privateLinkScopes/arc-pls`,
  scaleSet: (name = 'vmss-api') => `${appRg}/providers/Microsoft.Compute/virtualMachineScaleSets/${name}`,
  resourceGroup: appRg,
  subscription: `/subscriptions/${APP_SUBSCRIPTION}`,
};

export function topologySpec(): MonitoringTopologySpec {
  return {
    privateLinkScope: { resourceId: ids.scope },
    configurationEndpoint: { resourceId: ids.endpoint },
    dataCollectionRules: [{ resourceId: ids.rule() }],
    targets: { virtualMachines: [ids.vm()] },
  };
}

/** A manifest (no status), as kubectl would send it. */
export function topology(name: string, spec: MonitoringTopologySpec = topologySpec()) {
  return { apiVersion: API_VERSION, kind: KIND, metadata: { name }, spec };
}
