import { fileURLToPath } from 'node:url';

/** The vectors root: $PROVENANT_VECTORS_DIR, else the copy in test/vectors. */
export const VECTORS_DIR = process.env['PROVENANT_VECTORS_DIR'] || fileURLToPath(new URL('../vectors/', import.meta.url));
