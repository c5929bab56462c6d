export * from './authority.ts';
export * from './json-request.ts';
export { parseTimeStampReq, type TimestampRequest } from './request.ts';
export { createTokenEncoder, type TokenFields, type TokenSigner } from './token.ts';
