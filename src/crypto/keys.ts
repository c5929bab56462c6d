/** Loading signing keys from files, or generating dev keys into the data directory. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateLogKeyPem, KeyError, type Signer, signerFromPem } from './signer.ts';

export interface LoadedKey {
  signer: Signer;
  /** Where it came from, for the start-up log line. */
  path: string;
  generated: boolean;
}

/** Loads the key at `path`, or (when path is undefined) the dev key in dataDir, generating it once. */
export function loadOrCreateSigner(path: string | undefined, dataDir: string, fileName: string, what: string): LoadedKey {
  if (path !== undefined) {
    let pem: string;
    try {
      pem = readFileSync(path, 'utf8');
    } catch (e) {
      throw new KeyError(`${what}: cannot read ${path}: ${(e as Error).message}`);
    }
    return { signer: signerFromPem(pem, `${what} (${path})`), path, generated: false };
  }
  const devPath = join(dataDir, fileName);
  if (existsSync(devPath)) return { signer: signerFromPem(readFileSync(devPath, 'utf8'), `${what} (${devPath})`), path: devPath, generated: false };
  mkdirSync(dataDir, { recursive: true });
  const pem = generateLogKeyPem();
  // wx: never overwrite a key another process just wrote.
  writeFileSync(devPath, pem, { mode: 0o600, flag: 'wx' });
  return { signer: signerFromPem(pem, `${what} (${devPath})`), path: devPath, generated: true };
}
