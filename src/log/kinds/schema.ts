/**
 * Validates a `spec` against a kind's published Rekor JSON schema (the .json next to each kind), the
 * way the go-swagger models Rekor generates from those schemas do (`models.XxxSchema.Validate`), with
 * go-openapi's messages ("signature in body is required", "data.hash.algorithm in body should be one
 * of [sha256 sha384 sha512]").
 *
 * Supported keywords: type (object, string, array), properties, required, enum, minItems, items,
 * pattern. Ignored like go-swagger ignores them: `oneOf` (Rekor's models do not enforce it; the code
 * that needs exclusivity checks it), `format: byte` (decoded later by the kind), readOnly/writeOnly
 * (only checked by go-openapi's ContextValidate, which Rekor does not call on specs),
 * additionalProperties (not set by these schemas: unknown members are allowed and dropped).
 * A JSON null counts as absent, as in Rekor's decoders.
 */
import { ProvenantError } from '../../errors.ts';
import { SPEC_SCHEMA_VIOLATION } from './common.ts';

interface Schema {
  readonly type?: 'object' | 'string' | 'array';
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly required?: readonly string[];
  readonly enum?: readonly string[];
  readonly minItems?: number;
  readonly items?: Schema;
  readonly pattern?: string;
}

const patternCache = new Map<string, RegExp>();

/** Throws ProvenantError (SPEC_SCHEMA_VIOLATION) listing every violation. */
export function validateSpec(schema: object, spec: unknown): void {
  const errors: string[] = [];
  check(schema as Schema, spec, '', errors);
  if (errors.length > 0) {
    throw new ProvenantError(SPEC_SCHEMA_VIOLATION, `error processing entry: validation failure list:\n${errors.join('\n')}`);
  }
}

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v === 'number' ? 'number' : typeof v;
}

function check(schema: Schema, value: unknown, path: string, errors: string[]): void {
  const name = path === '' ? 'spec' : path;
  if (value === null || value === undefined) return;
  const actual = jsonType(value);
  if (schema.type !== undefined && schema.type !== actual) {
    errors.push(`${name} in body must be of type ${schema.type}: "${actual}"`);
    return;
  }
  if (schema.enum !== undefined && !schema.enum.includes(value as string)) {
    errors.push(`${name} in body should be one of [${schema.enum.join(' ')}]`);
  }
  if (schema.pattern !== undefined && typeof value === 'string') {
    let re = patternCache.get(schema.pattern);
    if (re === undefined) patternCache.set(schema.pattern, (re = new RegExp(schema.pattern)));
    if (!re.test(value)) errors.push(`${name} in body should match '${schema.pattern}'`);
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) {
      errors.push(`${name} in body should have at least ${schema.minItems} items`);
    }
    if (schema.items !== undefined) value.forEach((item, i) => check(schema.items as Schema, item, `${prefix(path)}${i}`, errors));
    return;
  }
  if (actual === 'object') {
    const obj = value as Record<string, unknown>;
    for (const req of schema.required ?? []) {
      if (obj[req] === undefined || obj[req] === null) errors.push(`${prefix(path)}${req} in body is required`);
    }
    for (const [key, sub] of Object.entries(schema.properties ?? {})) {
      if (Object.hasOwn(obj, key)) check(sub, obj[key], `${prefix(path)}${key}`, errors);
    }
  }
}

const prefix = (path: string) => (path === '' ? '' : `${path}.`);
