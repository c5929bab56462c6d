import { generateLogKeyPem, type Signer, signerFromPem } from '../../src/crypto/signer.ts';
import { logStoreFor } from '../../src/db/log-store.ts';
import { type LogOptions, type OpenLogParams, TransparencyLog } from '../../src/log/log.ts';
import type { LogStore } from '../../src/log/store.ts';
import type { Clock } from '../../src/log/types.ts';
import { type TestDb, testDatabase } from './db.ts';

export const fixedClock = (t = Date.UTC(2026, 10, 25, 12, 0, 0)): Clock & { set(ms: number): void } => {
  let now = t;
  return { now: () => new Date(now), set: (ms: number) => void (now = ms) };
};

export const testOptions = (o: Partial<LogOptions> = {}): LogOptions => ({
  maxBatchSize: 256,
  maxBatchAgeMs: 2,
  maxPending: 100_000,
  tileCacheSize: 64,
  ...o,
});

let sharedSigner: Signer | undefined;
export function testSigner(): Signer {
  return (sharedSigner ??= signerFromPem(generateLogKeyPem()));
}

export interface TestLog {
  db: TestDb;
  store: LogStore;
  log: TransparencyLog;
  params: OpenLogParams;
  reopen(over?: Partial<OpenLogParams>): Promise<TransparencyLog>;
  cleanup(): Promise<void>;
}

export async function openTestLog(over: Partial<OpenLogParams> = {}): Promise<TestLog> {
  const db = await testDatabase();
  const store = over.store ?? logStoreFor(db.database);
  const params: OpenLogParams = {
    store,
    purpose: 'rekor',
    name: 'log.example.test',
    signer: testSigner(),
    clock: fixedClock(),
    options: testOptions(),
    signSets: true,
    ...over,
  };
  const log = await TransparencyLog.open(params);
  const opened: TransparencyLog[] = [log];
  return {
    db,
    store,
    log,
    params,
    async reopen(o = {}) {
      const l = await TransparencyLog.open({ ...params, ...o });
      opened.push(l);
      return l;
    },
    async cleanup() {
      for (const l of opened) await l.close().catch(() => undefined);
      await db.cleanup();
    },
  };
}
