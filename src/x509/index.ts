export * from './algorithms.ts';
export * from './build.ts';
export * from './certificate.ts';
export { bigIntToIntegerBytes, integerBytesToBigInt, isMinimalInteger } from '../encoding/integer.ts';
export * from './name.ts';
export * from './tsa-material.ts';
export * from './tsa-profile.ts';
