import type { Database } from 'sql.js';
import { APPLICATION_ID } from '../fileCheck';
import { SCHEMA_V1 } from './001_initial';
import { SCHEMA_V2 } from './002_license_files';
import { SCHEMA_V3 } from './003_program_rights';
import { SCHEMA_V4 } from './004_responsibility';
import { SCHEMA_V5 } from './005_mail';
import { SCHEMA_V6_CTI } from './006_cti';
import { SCHEMA_V7_STORE_SAFETY } from './007_store_safety';
import { SCHEMA_V8_CTI_JOURNAL } from './008_cti_journal';
import { SCHEMA_V9_REMINDER_WINDOWS } from './009_reminder_windows';
import { SCHEMA_V10_ALERT_CLAIMS } from './010_alert_claims';
import { SCHEMA_V11_IMPORT_BATCHES } from './011_import_batches';
import { SCHEMA_V12_IMPORT_BATCH_ENTITIES } from './012_import_batch_entities';
import { SCHEMA_V13_PARTY_ADDRESSES } from './013_party_addresses';
// the backfill of v6 uses the normaliser frozen as shipped, not src/core/cti (no store → cti → store cycle)
import { backfillPhoneIndexV6 } from './006_phoneIndexBackfill';

/** One schema step. `up` runs inside the store's migration transaction and must not save or commit. */
export interface Migration {
  /** the `PRAGMA user_version` after this step (1, 2, 3 … without gaps) */
  readonly version: number;
  readonly name: string;
  up(db: Database): void;
}

/** All migrations in order. Append only; never edit one that has shipped. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    up(db) {
      db.exec(`PRAGMA application_id = ${APPLICATION_ID};`);
      db.exec(SCHEMA_V1);
    },
  },
  {
    version: 2,
    name: 'license files and expiry reminders',
    up(db) {
      db.exec(SCHEMA_V2);
    },
  },
  {
    version: 3,
    name: 'program rights',
    up(db) {
      db.exec(SCHEMA_V3);
    },
  },
  {
    version: 4,
    name: 'responsibility transfer batches',
    up(db) {
      db.exec(SCHEMA_V4);
    },
  },
  {
    version: 5,
    name: 'mail: SMTP opt-ins, secret reminders, scheduler jobs and incidents',
    up(db) {
      db.exec(SCHEMA_V5);
    },
  },
  {
    version: 6,
    name: 'CTI phone number index',
    up(db) {
      db.exec(SCHEMA_V6_CTI);
      backfillPhoneIndexV6(db);
    },
  },
  {
    version: 7,
    name: 'sign-in throttle and the store kind (demo or production)',
    up(db) {
      db.exec(SCHEMA_V7_STORE_SAFETY);
    },
  },
  {
    version: 8,
    name: 'CTI journal: times with offset, duration, outcome, own number, extension, note',
    up(db) {
      db.exec(SCHEMA_V8_CTI_JOURNAL);
    },
  },
  {
    version: 9,
    name: 'reminder windows: any 1–365 days',
    up(db) {
      db.exec(SCHEMA_V9_REMINDER_WINDOWS);
    },
  },
  {
    version: 10,
    name: 'alert claims: each incident sent once per channel',
    up(db) {
      db.exec(SCHEMA_V10_ALERT_CLAIMS);
    },
  },
  {
    version: 11,
    name: 'import batches: master data imports that can be undone',
    up(db) {
      db.exec(SCHEMA_V11_IMPORT_BATCHES);
    },
  },
  {
    version: 12,
    name: 'import batches: Meldungen, Aufträge, object links and assignments',
    up(db) {
      db.exec(SCHEMA_V12_IMPORT_BATCH_ENTITIES);
    },
  },
  {
    version: 13,
    name: 'addresses of persons, creditors and owners',
    up(db) {
      db.exec(SCHEMA_V13_PARTY_ADDRESSES);
    },
  },
];

/** The schema version this build writes. */
export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;
