export * from './leaf.ts';
export * from './log.ts';
export * from './sct.ts';
export * from './tls.ts';
