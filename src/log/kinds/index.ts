/** Rekor entry kinds: decode, verify and canonicalise proposed entries (see proposed-entry.ts). */
export type { CanonicalEntry, DecodeOptions, KindVersion } from './common.ts';
export { SPEC_SCHEMA_VIOLATION } from './common.ts';
export { KINDS } from './registry.ts';
export { decodeProposedEntry, kindFromBody } from './proposed-entry.ts';
export { algorithmPolicy, REKOR_DEFAULT_ALGORITHM_POLICY, type AlgorithmPolicy } from '../../crypto/verify.ts';
