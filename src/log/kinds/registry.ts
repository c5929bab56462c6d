/** The entry kinds and versions this log implements (one folder per kind, one file per version). */
import type { KindVersion } from './common.ts';
import { hashedrekordV001 } from './hashedrekord/v0.0.1.ts';
import { dsseV001 } from './dsse/v0.0.1.ts';
import { intotoV001 } from './intoto/v0.0.1.ts';
import { intotoV002 } from './intoto/v0.0.2.ts';
import { rekordV001 } from './rekord/v0.0.1.ts';

/** Implemented kind → apiVersion → decoder. */
export const KINDS: ReadonlyMap<string, ReadonlyMap<string, KindVersion>> = new Map(
  Object.entries(
    [hashedrekordV001, dsseV001, intotoV001, intotoV002, rekordV001].reduce<Record<string, Map<string, KindVersion>>>((acc, kv) => {
      (acc[kv.kind] ??= new Map()).set(kv.apiVersion, kv);
      return acc;
    }, {}),
  ),
);

/** Kinds Rekor defines (models.UnmarshalProposedEntry) that we do not implement. */
export const REKOR_ONLY_KINDS = new Set(['alpine', 'cose', 'helm', 'jar', 'rfc3161', 'rpm', 'tuf']);

