// Frozen in time: never import application code here.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE trust_material (
      id         text PRIMARY KEY,
      purpose    text NOT NULL,
      material   bytea NOT NULL,
      created_at timestamptz NOT NULL,
      retired_at timestamptz
    );
    CREATE INDEX trust_material_purpose ON trust_material (purpose, created_at);
  `.execute(db);
}
