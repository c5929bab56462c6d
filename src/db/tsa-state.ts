/** The TSA's last issued genTime, in the database (survives restarts; shared by replicas). */
import { type Kysely, sql } from 'kysely';
import type { GenTimeStore } from '../tsa/index.ts';
import type { DB } from './schema.ts';

export function genTimeStore(db: Kysely<DB>): GenTimeStore {
  return {
    async load() {
      const r = await db.selectFrom('tsa_state').select('last_gen_time').where('id', '=', 1).executeTakeFirst();
      return r?.last_gen_time;
    },
    async save(genTime: Date) {
      // Never moves backwards, even with several replicas writing.
      await sql`
        INSERT INTO tsa_state (id, last_gen_time) VALUES (1, ${genTime})
        ON CONFLICT (id) DO UPDATE SET last_gen_time = GREATEST(tsa_state.last_gen_time, EXCLUDED.last_gen_time)`.execute(db);
    },
  };
}
