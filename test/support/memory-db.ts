import Database from 'better-sqlite3';
import type { StateDb } from '../../src/state/sqlite/db.js';

/** A SQLite database that lives as long as the test: the SQLite stores run against it as against a file. */
export const openMemoryStateDb = (): StateDb => new Database(':memory:');
