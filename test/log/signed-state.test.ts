import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { ProvenantError } from '../../src/errors.ts';
import { SignedStateGuard } from '../../src/log/signed-state.ts';
import { openTestLog } from '../helpers/log.ts';

const refuses = (e: unknown) => e instanceof ProvenantError && e.code === 'refuse_to_sign';

it('the signed-state record refuses a store that is behind what this instance signed', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'guard-')), 'signed-state.json');
  const g = new SignedStateGuard(path);
  g.check(0n, new Uint8Array(32)); // no record yet: fine
  g.remember(10n, new Uint8Array(32).fill(1));
  g.flush();
  assert.throws(() => g.check(9n, new Uint8Array(32)), refuses);
  assert.throws(() => g.check(10n, new Uint8Array(32).fill(2)), refuses);
  g.check(10n, new Uint8Array(32).fill(1));
  g.check(11n, new Uint8Array(32)); // ahead (another replica signed more): fine
});

it('a log reopened on a database restored from an older backup refuses to start', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'guard-')), 'signed-state.json');
  const t = await openTestLog({ guard: new SignedStateGuard(path) });
  try {
    await Promise.all(Array.from({ length: 5 }, (_, i) => t.log.append({ body: Buffer.from(`g${i}`) })));
    await t.log.close(); // flushes the record: 5 entries signed
    // "Restore" an empty database: a fresh store with the same key and the same guard file.
    const fresh = await openTestLog({ guard: new SignedStateGuard(path) }).then(
      (x) => x,
      (e) => e,
    );
    if (fresh instanceof Error) {
      assert.ok(refuses(fresh), String(fresh));
    } else {
      await fresh.cleanup();
      assert.fail('a store behind the signed record was accepted');
    }
  } finally {
    await t.cleanup();
  }
});
