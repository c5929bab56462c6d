import assert from 'node:assert/strict';
import { it } from 'node:test';
import { HTTP_STATUS } from '../../src/api/errors.ts';
import { ERROR_CODES } from '../../src/errors.ts';

it('every domain error code has exactly one HTTP mapping', () => {
  for (const c of ERROR_CODES) assert.equal(typeof HTTP_STATUS[c], 'number', `no HTTP status for ${c}`);
  assert.deepEqual(Object.keys(HTTP_STATUS).sort(), [...ERROR_CODES].sort());
});
