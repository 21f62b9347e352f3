// Instance views ARM computes for a VM: agent, disks, extensions, patch and power state.
import { nameOf } from '../../arm/ids.ts';
import { str } from '../../arm/json.ts';
import type { Env } from '../../arm/kind.ts';
import type { StoredResource } from '../../arm/store.ts';
import type { Json } from '../../types.ts';

const succeeded = (time: string): Json => ({ code: 'ProvisioningState/succeeded', level: 'Info', displayStatus: 'Provisioning succeeded', time });

export function vmInstanceView(env: Env, resource: StoredResource, extensionType: string): Json {
  const p = (resource.body.properties ?? {}) as Json;
  const time = str(p.timeCreated ?? new Date().toISOString());
  const storage = (p.storageProfile ?? {}) as Json;
  const osDisk = (storage.osDisk ?? {}) as Json;
  const windows = osDisk.osType === 'Windows';
  const extensions = env.store.list(resource.id, extensionType).map((e) => (e.body.properties ?? {}) as Json & { name?: string });
  const extensionNames = env.store.list(resource.id, extensionType).map((e) => nameOf(e.id));
  const disks = [osDisk, ...((storage.dataDisks ?? []) as Json[])].map((d, i) => ({
    name: str(d.name ?? `${nameOf(resource.id)}_disk${i}`),
    statuses: [succeeded(time)],
  }));
  const view: Json = {
    platformUpdateDomain: 0,
    platformFaultDomain: typeof p.platformFaultDomain === 'number' ? p.platformFaultDomain : 0,
    computerName: str((p.osProfile as Json | undefined)?.computerName ?? nameOf(resource.id)),
    osName: windows ? 'Windows Server 2022 Datacenter' : 'ubuntu',
    osVersion: windows ? 'Microsoft Windows NT 10.0.20348.0' : '22.04',
    vmAgent: {
      vmAgentVersion: windows ? '2.7.41491.1102' : '2.11.1.4',
      statuses: [{ code: 'ProvisioningState/succeeded', level: 'Info', displayStatus: 'Ready', message: 'GuestAgent is running and accepting new configurations.', time }],
      extensionHandlers: extensions.map((e) => ({
        type: `${str(e.publisher)}.${str(e.type)}`,
        typeHandlerVersion: str(e.typeHandlerVersion),
        status: { code: 'ProvisioningState/succeeded', level: 'Info', displayStatus: 'Ready' },
      })),
    },
    disks,
    extensions: extensions.map((e, i) => ({
      name: extensionNames[i],
      type: `${str(e.publisher)}.${str(e.type)}`,
      typeHandlerVersion: str(e.typeHandlerVersion),
      statuses: [{ code: 'ProvisioningState/succeeded', level: 'Info', displayStatus: 'Provisioning succeeded', message: 'Extension is running' }],
    })),
    hyperVGeneration: 'V2',
    patchStatus: {
      availablePatchSummary: { status: 'Succeeded', assessmentActivityId: resource.etag, rebootPending: false, criticalAndSecurityPatchCount: 0, otherPatchCount: 0, startTime: time, lastModifiedTime: time },
      lastPatchInstallationSummary: {
        status: 'Succeeded', installationActivityId: resource.etag, maintenanceWindowExceeded: false, notSelectedPatchCount: 0, excludedPatchCount: 0,
        pendingPatchCount: 0, installedPatchCount: 0, failedPatchCount: 0, startTime: time, lastModifiedTime: time,
      },
      configurationStatuses: [{ code: 'PatchModeConfigurationState/Ready', level: 'Info', displayStatus: 'Status_PatchModeConfigurationState_Ready', time }],
    },
    isVMInStandbyPool: false,
    statuses: [
      { ...succeeded(time), code: `ProvisioningState/${str(p.provisioningState ?? 'succeeded').toLowerCase()}` },
      { code: 'PowerState/running', level: 'Info', displayStatus: 'VM running' },
    ],
  };
  const boot = ((p.diagnosticsProfile as Json | undefined)?.bootDiagnostics ?? {}) as Json;
  if (boot.enabled === true) {
    const account = str(boot.storageUri ?? 'https://bootdiag.blob.core.windows.net/').replace(/\/$/, '');
    const disk = str(osDisk.name ?? nameOf(resource.id));
    view.bootDiagnostics = {
      consoleScreenshotBlobUri: `${account}/bootdiagnostics-${disk}/${disk}.screenshot.bmp`,
      serialConsoleLogBlobUri: `${account}/bootdiagnostics-${disk}/${disk}.serialconsole.log`,
    };
  }
  return view;
}
