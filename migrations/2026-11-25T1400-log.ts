// Frozen in time: never import application code here.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE trees (
      tree_id    int8 PRIMARY KEY CHECK (tree_id > 0),
      purpose    text NOT NULL UNIQUE,
      origin     text NOT NULL,
      public_key bytea NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE log_head (
      tree_id    int8 PRIMARY KEY REFERENCES trees (tree_id),
      size       int8 NOT NULL CHECK (size >= 0),
      root       bytea NOT NULL CHECK (length(root) = 32),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE entries (
      tree_id         int8 NOT NULL,
      leaf_index      int8 NOT NULL CHECK (leaf_index >= 0),
      leaf_hash       bytea NOT NULL CHECK (length(leaf_hash) = 32),
      body            bytea NOT NULL,
      kind            text,
      integrated_time int8 NOT NULL,
      set_sig         bytea,
      PRIMARY KEY (tree_id, leaf_index),
      UNIQUE (tree_id, leaf_hash)
    );
    CREATE TABLE entry_index (
      tree_id    int8 NOT NULL,
      key        text NOT NULL,
      leaf_index int8 NOT NULL,
      PRIMARY KEY (tree_id, key, leaf_index)
    );
    CREATE TABLE tiles (
      tree_id int8 NOT NULL,
      level   int2 NOT NULL CHECK (level >= 0),
      idx     int8 NOT NULL CHECK (idx >= 0),
      hashes  bytea NOT NULL CHECK (length(hashes) = 8192),
      -- the tile's 255 internal nodes (derived from hashes; proofs from cold tiles need no hashing)
      nodes   bytea NOT NULL CHECK (length(nodes) = 8160),
      PRIMARY KEY (tree_id, level, idx)
    );
    CREATE TABLE checkpoints (
      tree_id    int8 NOT NULL,
      size       int8 NOT NULL,
      root       bytea NOT NULL,
      note       text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tree_id, size)
    );
  `.execute(db);
}
