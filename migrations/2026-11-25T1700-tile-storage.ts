// Frozen in time: never import application code here.
import { type Kysely, sql } from 'kysely';

// Tile hashes are random bytes: compression never pays, and uncompressed out-of-line storage lets
// Postgres skip the compression attempt on every write.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE tiles ALTER COLUMN hashes SET STORAGE EXTERNAL, ALTER COLUMN nodes SET STORAGE EXTERNAL`.execute(db);
}
