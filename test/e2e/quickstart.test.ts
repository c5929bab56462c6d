/** The README's quickstart (examples/quickstart.sh → examples/sign-and-verify.mjs) against a live server. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('README quickstart', () => {
  let srv: ServerProcess;
  before(async () => {
    // The quickstart is `npm start` with no settings: the embedded database on both passes (any
    // DATABASE_URL turns the dev issuer off).
    srv = await startServerProcess({}, { embedded: true });
  });
  after(() => srv?.stop());

  it('fetches a dev token and the trust material, signs and verifies a file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'quickstart-'));
    const file = join(dir, 'artifact.txt');
    writeFileSync(file, 'hello from the quickstart\n');
    const { stdout } = await promisify(execFile)('bash', [join(ROOT, 'examples/quickstart.sh'), file], { cwd: dir, env: { ...process.env, BASE: srv.url } });
    assert.match(stdout, /signed .*artifact\.txt: log index \d+/);
    assert.match(stdout, /verified: signed by alice@example\.com/);
    assert.ok(existsSync(`${file}.sigstore.json`));
    assert.ok(existsSync(join(dir, 'trusted_root.json')) && existsSync(join(dir, 'signing_config.json')));
  });
});
