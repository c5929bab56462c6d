// Child process for the crash test: appends under sustained load and prints each acknowledged
// entry as "<index> <body>" on stdout, until it is killed.
import { openDatabase } from '../../src/db/connect.ts';
import { logStoreFor } from '../../src/db/log-store.ts';
import { TransparencyLog } from '../../src/log/log.ts';
import { systemClock } from '../../src/log/types.ts';
import { signerFromPem } from '../../src/crypto/signer.ts';

const [url, schema, round, keyPem] = [process.env.DATABASE_URL!, process.env.CRASH_SCHEMA!, process.env.CRASH_ROUND!, process.env.CRASH_KEY!];
const database = await openDatabase({ url, schema });
const log = await TransparencyLog.open({
  store: logStoreFor(database),
  purpose: 'rekor',
  name: 'crash.test',
  signer: signerFromPem(keyPem),
  clock: systemClock,
  signSets: true,
  options: { maxBatchSize: 200, maxBatchAgeMs: 2, maxPending: 100_000, tileCacheSize: 64 },
});
process.stdout.write(`ready ${log.size}\n`);
let i = 0;
async function worker() {
  for (;;) {
    const body = `crash-${round}-${i++}`;
    const r = await log.append({ body: Buffer.from(body) });
    process.stdout.write(`${r.leafIndex} ${body}\n`);
  }
}
await Promise.all(Array.from({ length: 64 }, worker));
