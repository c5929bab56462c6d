/** File helpers shared by the CA and TSA material loaders (operator files and dev generation). */
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { ProvenantError } from '../errors.ts';

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
