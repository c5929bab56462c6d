/** Keys and chains this instance signs with, and when each was in use (trusted-root validFor). */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from './schema.ts';

export interface TrustRecord {
  purpose: string;
  material: Uint8Array;
  createdAt: Date;
  retiredAt: Date | null;
}

/** Length-prefixed concatenation, so a chain is one unambiguous byte string. */
export function packChain(ders: readonly Uint8Array[]): Uint8Array {
  return Buffer.concat(ders.flatMap((d) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(d.length);
    return [len, Buffer.from(d)];
  }));
}

export function unpackChain(b: Uint8Array): Uint8Array[] {
  const buf = Buffer.from(b);
  const out: Uint8Array[] = [];
  for (let o = 0; o < buf.length; ) {
    const n = buf.readUInt32BE(o);
    out.push(new Uint8Array(buf.subarray(o + 4, o + 4 + n)));
    o += 4 + n;
  }
  return out;
}

/**
 * Records `material` as the current one for `purpose` (created now, or at `since` if earlier — e.g.
 * the tree's creation for a log key registered after the fact) and retires any other current one.
 * Runs before the instance signs anything with it.
 */
export async function registerCurrent(db: Kysely<DB>, purpose: string, material: Uint8Array, now: Date, since?: Date): Promise<void> {
  const id = createHash('sha256').update(material).digest('hex');
  await db.transaction().execute(async (trx) => {
    const existing = await trx.selectFrom('trust_material').select(['id', 'retired_at']).where('id', '=', id).executeTakeFirst();
    if (!existing) {
      // Whole seconds, rounded down: integratedTime and RFC 3161 genTime are whole seconds, and a
      // signature made in the same second as registration must fall inside validFor.
      const t = since && since < now ? since : now;
      const created = new Date(Math.floor(t.getTime() / 1000) * 1000);
      await trx.insertInto('trust_material').values({ id, purpose, material, created_at: created, retired_at: null }).execute();
    } else if (existing.retired_at !== null) {
      // Back in use: its history stays, the end is lifted.
      await trx.updateTable('trust_material').set({ retired_at: null }).where('id', '=', id).execute();
    }
    await trx.updateTable('trust_material').set({ retired_at: now }).where('purpose', '=', purpose).where('id', '!=', id).where('retired_at', 'is', null).execute();
  });
}

export async function listTrust(db: Kysely<DB>, purpose: string): Promise<TrustRecord[]> {
  const rows = await db.selectFrom('trust_material').selectAll().where('purpose', '=', purpose).orderBy('created_at').execute();
  return rows.map((r) => ({ purpose: r.purpose, material: new Uint8Array(r.material), createdAt: r.created_at, retiredAt: r.retired_at }));
}
