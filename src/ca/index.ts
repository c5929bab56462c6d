export * from './ca.ts';
export * from './config.ts';
export * from './create.ts';
export * from './keys.ts';
export * from './oidc.ts';
export * from './request.ts';
export { principalFromToken, PrincipalError, type Principal } from './identity/index.ts';
