// The controller's ARM gateway against a bench emulator, with ARM's documented budget scaled like the emulator's.
import tls from 'node:tls';
import { ClientSecretCredential } from '@azure/identity';
import pino from 'pino';
import { Registry } from 'prom-client';
import { ARM_LIMITS, createArmGateway, createArmMetrics, createSubscriptionBudgets } from '../src/azure/index.ts';
import type { ArmGateway, ArmGatewayOptions } from '../src/azure/index.ts';

export interface BenchEmulatorAccess {
  url: string;
  caCertPem: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  authorityHost: string;
}

/** Trusts the emulator's CA, fetches a token once, and builds a gateway whose budgets refill `speed` times ARM's rate. */
export async function benchGateway(em: BenchEmulatorAccess, speed: number, concurrency?: number, resourceGraph?: ArmGatewayOptions['resourceGraph']): Promise<ArmGateway> {
  tls.setDefaultCACertificates([...tls.getCACertificates('default'), em.caCertPem]);
  const credential = new ClientSecretCredential(em.tenantId, em.clientId, em.clientSecret, { authorityHost: em.authorityHost, disableInstanceDiscovery: true });
  await credential.getToken('https://management.azure.com/.default');
  const scaled = (k: keyof typeof ARM_LIMITS): { burst: number; perSecond: number } => ({ burst: ARM_LIMITS[k].burst, perSecond: ARM_LIMITS[k].perSecond * speed });
  return createArmGateway({
    endpoint: em.url,
    credential,
    budgets: createSubscriptionBudgets({ reads: scaled('reads'), writes: scaled('writes'), deletes: scaled('deletes') }),
    logger: pino({ level: process.env['LOG_LEVEL'] ?? 'warn' }),
    metrics: createArmMetrics(new Registry()),
    ...(concurrency !== undefined ? { concurrency } : {}),
    ...(resourceGraph !== undefined ? { resourceGraph } : {}),
  });
}
