// Frozen in time: never import application code here.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE tsa_state (
      id            smallint PRIMARY KEY CHECK (id = 1),
      last_gen_time timestamptz NOT NULL
    );
  `.execute(db);
}
