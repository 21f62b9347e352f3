// Vitest globalSetup for the integration project: one real etcd + kube-apiserver for the whole run,
// with the CRDs from crds/ installed. Tests reach it through inject('kubeconfigPath') (test/support/kube.ts).
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startControlPlane } from '../../src/devenv/control-plane.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    kubeconfigPath: string;
    /** kubectl of the apiserver's release. */
    kubectlPath: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  const controlPlane = await startControlPlane({ log: (line) => process.stderr.write(`${line}\n`) });
  process.stderr.write(`[control-plane] ready at ${controlPlane.server} in ${Date.now() - started} ms\n`);
  project.provide('kubeconfigPath', controlPlane.kubeconfigPath);
  project.provide('kubectlPath', join(controlPlane.binDirectory, 'kubectl'));
  // Child processes (kubectl, the controller under test) find the cluster without extra flags.
  process.env.KUBECONFIG = controlPlane.kubeconfigPath;
  return () => controlPlane.stop();
}
