// Public API of src/merkle (RFC 6962 / RFC 9162 §2.1 maths and C2SP tlog-tiles). Re-exports only.
export * from './errors.ts';
export * from './hasher.ts';
export * from './node.ts';
export * from './proof.ts';
export * from './inclusion.ts';
export * from './consistency.ts';
export * from './tile.ts';
export * from './tile-path.ts';
export * from './tile-edge.ts';
