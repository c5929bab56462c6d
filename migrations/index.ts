/** Every migration, in order. Names are timestamps; a migration is never edited once released. */
import type { Migration } from 'kysely';
import * as log from './2026-11-25T1400-log.ts';
import * as tsa from './2026-11-25T1500-tsa.ts';
import * as trust from './2026-11-25T1600-trust.ts';
import * as tileStorage from './2026-11-25T1700-tile-storage.ts';
import * as extraData from './2026-11-25T1800-extra-data.ts';

export const migrations: Record<string, Migration> = {
  '2026-11-25T1400-log': log,
  '2026-11-25T1500-tsa': tsa,
  '2026-11-25T1600-trust': trust,
  '2026-11-25T1700-tile-storage': tileStorage,
  '2026-11-25T1800-extra-data': extraData,
};
