// Every provider namespace the emulator serves, in the order their routes are tried. A new namespace is a folder
// here with an index.ts exporting its Provider, added to this list.
import type { Provider } from '../arm/kind.ts';
import { compute } from './Microsoft.Compute/index.ts';
import { hybridCompute } from './Microsoft.HybridCompute/index.ts';
import { insights } from './Microsoft.Insights/index.ts';
import { managedIdentity } from './Microsoft.ManagedIdentity/index.ts';
import { network } from './Microsoft.Network/index.ts';
import { operationalInsights } from './Microsoft.OperationalInsights/index.ts';
import { resourceGraph } from './Microsoft.ResourceGraph/index.ts';
import { resources } from './Microsoft.Resources/index.ts';

export const PROVIDERS: readonly Provider[] = [compute, hybridCompute, insights, managedIdentity, network, operationalInsights, resourceGraph, resources];
