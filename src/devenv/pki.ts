// Throwaway PKI for a local control plane: a CA, the apiserver's serving cert, an admin client cert
// and the service-account signing key pair (what envtest generates).
import { KeyObject, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const VALIDITY_MS = 7 * 24 * 3600 * 1000;

export interface Pem {
  cert: string;
  key: string;
}

export interface ControlPlanePki {
  ca: Pem;
  serving: Pem;
  admin: Pem;
  serviceAccount: { publicKey: string; privateKey: string };
}

function privateKeyPem(key: webcrypto.CryptoKey): string {
  return KeyObject.from(key).export({ type: 'pkcs8', format: 'pem' }).toString();
}

function publicKeyPem(key: webcrypto.CryptoKey): string {
  return KeyObject.from(key).export({ type: 'spki', format: 'pem' }).toString();
}

async function keyPair(): Promise<webcrypto.CryptoKeyPair> {
  return webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
}

async function leaf(
  ca: x509.X509Certificate,
  caKey: webcrypto.CryptoKey,
  subject: string,
  extensions: x509.Extension[],
): Promise<Pem> {
  const keys = await keyPair();
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create(
    {
      subject,
      issuer: ca.subject,
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + VALIDITY_MS),
      signingAlgorithm: ALGORITHM,
      publicKey: keys.publicKey,
      signingKey: caKey,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
        ...extensions,
      ],
    },
    webcrypto,
  );
  return { cert: cert.toString('pem'), key: privateKeyPem(keys.privateKey) };
}

export async function createControlPlanePki(): Promise<ControlPlanePki> {
  const caKeys = await keyPair();
  const now = Date.now();
  const ca = await x509.X509CertificateGenerator.createSelfSigned(
    {
      name: 'CN=mtopo-test-ca',
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + VALIDITY_MS),
      signingAlgorithm: ALGORITHM,
      keys: caKeys,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      ],
    },
    webcrypto,
  );
  const serving = await leaf(ca, caKeys.privateKey, 'CN=kube-apiserver', [
    new x509.SubjectAlternativeNameExtension([
      { type: 'dns', value: 'localhost' },
      { type: 'ip', value: '127.0.0.1' },
    ]),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
  ]);
  const admin = await leaf(ca, caKeys.privateKey, 'CN=admin, O=system:masters', [
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
  ]);
  const sa = await keyPair();
  return {
    ca: { cert: ca.toString('pem'), key: privateKeyPem(caKeys.privateKey) },
    serving,
    admin,
    serviceAccount: { publicKey: publicKeyPem(sa.publicKey), privateKey: privateKeyPem(sa.privateKey) },
  };
}
