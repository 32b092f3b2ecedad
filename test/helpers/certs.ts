/** Test PKI made with the openssl CLI: a CA, a broker certificate for 127.0.0.1 and client certificates by CN. */
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Paths of PEM files. */
export interface CertFiles {
  cert: string;
  key: string;
}

/** A test certificate authority that issues server and client certificates. */
export class TestPki {
  private constructor(
    readonly dir: string,
    readonly ca: CertFiles,
  ) {}

  /** Creates a CA in a new temporary directory. */
  static async create(): Promise<TestPki> {
    const dir = await mkdtemp(join(tmpdir(), 'lk-pki-'));
    const ca = { cert: join(dir, 'ca.crt'), key: join(dir, 'ca.key') };
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      ca.key,
      '-out',
      ca.cert,
      '-days',
      '2',
      '-subj',
      '/CN=Linekeeper Test CA',
    ]);
    return new TestPki(dir, ca);
  }

  /** Issues a certificate with common name `cn` (and SAN 127.0.0.1/localhost for servers). */
  async issue(cn: string, kind: 'server' | 'client'): Promise<CertFiles> {
    const base = join(this.dir, cn.replace(/[^a-zA-Z0-9_.-]/g, '_'));
    const files = { cert: `${base}.crt`, key: `${base}.key` };
    const csr = `${base}.csr`;
    const ext = `${base}.ext`;
    await writeFile(
      ext,
      kind === 'server'
        ? 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n'
        : 'extendedKeyUsage=clientAuth\n',
    );
    await run('openssl', [
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      files.key,
      '-out',
      csr,
      '-subj',
      `/CN=${cn}`,
    ]);
    await run('openssl', [
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      this.ca.cert,
      '-CAkey',
      this.ca.key,
      '-CAcreateserial',
      '-out',
      files.cert,
      '-days',
      '2',
      '-extfile',
      ext,
    ]);
    return files;
  }
}
