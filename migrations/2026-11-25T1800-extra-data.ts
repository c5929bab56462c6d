// Frozen in time: never import application code here.
import { type Kysely, sql } from 'kysely';

// RFC 6962 get-entries returns each leaf with its extra_data (the submitted chain): not hashed, but
// stored with the entry.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE entries ADD COLUMN extra_data bytea`.execute(db);
}
