/** File helpers shared by the CA and TSA material loaders (operator files and dev generation). */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { ProvenantError } from '../errors.ts';
import { parseCertificatesPem, type Certificate } from './certificate.ts';

export async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw new ProvenantError('invalid_argument', `cannot read ${path}: ${(e as Error).message}`, { cause: e });
  }
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}

/** Writes via a fresh temporary file and a rename, so a reader never sees half a key. */
export async function writeAtomically(path: string, content: string, mode: number): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await rm(tmp, { force: true }); // a leftover from a crash would keep its old mode under flag 'w'
  await writeFile(tmp, content, { mode, flag: 'wx' });
  await rename(tmp, path);
}

/**
 * Reads PEM certificate files (in order) and a PEM private key, with `label` ("CA", "TSA") in every
 * message; warns when the key file is readable by group or others. The caller validates the chain.
 */
export async function readChainAndKey(
  label: string,
  certPaths: readonly string[],
  keyPath: string,
  log: { warn(msg: string): void } | undefined,
): Promise<{ chain: Certificate[]; privateKey: KeyObject }> {
  const chain: Certificate[] = [];
  for (const path of certPaths) {
    const text = await readText(path);
    try {
      chain.push(...parseCertificatesPem(text));
    } catch (e) {
      throw new ProvenantError('invalid_argument', `${label} certificate file ${path}: ${(e as Error).message}`, { cause: e });
    }
  }
  const keyText = await readText(keyPath);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: keyText, format: 'pem' });
  } catch (e) {
    throw new ProvenantError('invalid_argument', `${label} key file ${keyPath}: not an unencrypted PEM private key (${(e as Error).message})`, { cause: e });
  }
  const mode = (await stat(keyPath)).mode & 0o777;
  if ((mode & 0o077) !== 0) log?.warn(`${label}: key file ${keyPath} is readable by group or others (mode ${mode.toString(8)}); chmod 600 it`);
  return { chain, privateKey };
}
