// A certificate authority generated per run and a loopback server certificate it signs.
import { webcrypto } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';

export interface TlsMaterial {
  caCertPem: string;
  caCertPath: string;
  certPem: string;
  keyPem: string;
  /** Removes the CA directory if this module created it; a caller-provided `caDir` is left alone. */
  dispose(): Promise<void>;
}

const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

function pem(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${b64}${b64.endsWith('\n') ? '' : '\n'}-----END ${label}-----\n`;
}

export async function createTlsMaterial(host: string, caDir?: string): Promise<TlsMaterial> {
  x509.cryptoProvider.set(webcrypto as never);
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(Date.now() + 7 * 24 * 3600_000);
  const caKeys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    name: 'CN=ARM emulator CA',
    notBefore,
    notAfter,
    keys: caKeys as never,
    signingAlgorithm: alg,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const serverKeys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const altNames: { type: 'ip' | 'dns'; value: string }[] = [
    { type: 'ip', value: '127.0.0.1' },
    { type: 'ip', value: '::1' },
    { type: 'dns', value: 'localhost' },
  ];
  if (!altNames.some((n) => n.value === host)) altNames.push({ type: /^[\d.:]+$/.test(host) ? 'ip' : 'dns', value: host });
  const cert = await x509.X509CertificateGenerator.create({
    subject: 'CN=localhost',
    issuer: ca.subject,
    notBefore,
    notAfter,
    publicKey: serverKeys.publicKey as never,
    signingKey: caKeys.privateKey as never,
    signingAlgorithm: alg,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(altNames),
      await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey as never),
    ],
  });
  const keyDer = await webcrypto.subtle.exportKey('pkcs8', serverKeys.privateKey);
  const caCertPem = ca.toString('pem') + '\n';
  const dir = caDir ?? (await mkdtemp(join(tmpdir(), 'arm-emulator-')));
  const created = caDir === undefined ? dir : undefined;
  const dispose = async (): Promise<void> => {
    if (created !== undefined) await rm(created, { recursive: true, force: true });
  };
  try {
    await mkdir(dir, { recursive: true });
    const caCertPath = join(dir, 'ca.pem');
    await writeFile(caCertPath, caCertPem);
    return { caCertPem, caCertPath, certPem: cert.toString('pem') + '\n', keyPem: pem('PRIVATE KEY', keyDer), dispose };
  } catch (err) {
    await dispose();
    throw err;
  }
}
