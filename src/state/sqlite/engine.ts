import type BetterSqlite3 from 'better-sqlite3';
import { createRequire } from 'node:module';
import { StateError } from '../state-error.js';

type BetterSqlite3Class = typeof BetterSqlite3;
/** A SQLite database as the stores use it (better-sqlite3's, or node:sqlite's in its shape). */
export type StateDb = BetterSqlite3.Database;

const requireHere = createRequire(import.meta.url);
const firstLine = (error: Error): string => error.message.split('\n')[0] ?? error.name;

let betterSqlite3: BetterSqlite3Class | Error | undefined;

/**
 * better-sqlite3, loaded at first use, never at import: its native addon is built by its install script, which
 * hosts such as rudder-transformer skip (`npm ci --ignore-scripts`), so nothing that does not open SQLite may need
 * it (README "A self-hosted RudderStack"). An in-memory open loads the addon here rather than at the first real open.
 */
function loadBetterSqlite3(): BetterSqlite3Class | Error {
  if (betterSqlite3 === undefined) {
    try {
      const Database = requireHere('better-sqlite3') as BetterSqlite3Class;
      new Database(':memory:').close();
      betterSqlite3 = Database;
    } catch (error) {
      betterSqlite3 = error instanceof Error ? error : new Error(String(error));
    }
  }
  return betterSqlite3;
}

/** better-sqlite3 for the state of `send`/`serve`/the library; without its addon, one line saying how to build it. */
export function betterSqlite3OrFail(): BetterSqlite3Class {
  const loaded = loadBetterSqlite3();
  if (loaded instanceof Error) {
    throw new StateError(
      'unusable',
      'better-sqlite3',
      `cannot be loaded (${firstLine(loaded)})`,
      'build its native addon (npm rebuild better-sqlite3) or use a Redis store',
    );
  }
  return loaded;
}

/** What node:sqlite's DatabaseSync offers of what the membership store uses (Node >= 22.13 without a flag). */
interface SyncDatabase {
  exec(sql: string): void;
  prepare(sql: string): { get(...params: unknown[]): unknown; run(...params: unknown[]): unknown };
  close(): void;
  readonly isTransaction: boolean;
}

/** node:sqlite's database in better-sqlite3's shape, for the calls SqliteMembershipStore makes (exec, prepare, transaction). */
class NodeSqliteDb {
  private open = true;

  constructor(
    readonly name: string,
    private readonly db: SyncDatabase,
  ) {}

  exec(sql: string): this {
    this.db.exec(sql);
    return this;
  }

  prepare(sql: string): ReturnType<SyncDatabase['prepare']> {
    return this.db.prepare(sql);
  }

  pragma(setting: string): void {
    this.db.exec(`PRAGMA ${setting}`);
  }

  transaction<A extends unknown[], R>(work: (...args: A) => R): ((...args: A) => R) & { immediate: (...args: A) => R } {
    const inMode =
      (mode: 'DEFERRED' | 'IMMEDIATE') =>
      (...args: A): R => {
        this.db.exec(`BEGIN ${mode}`);
        try {
          const result = work(...args);
          this.db.exec('COMMIT');
          return result;
        } catch (error) {
          if (this.db.isTransaction) this.db.exec('ROLLBACK');
          throw error;
        }
      };
    return Object.assign(inMode('DEFERRED'), { immediate: inMode('IMMEDIATE') });
  }

  /** Idempotent, as better-sqlite3's close is (node:sqlite throws on a second close). */
  close(): void {
    if (this.open) this.db.close();
    this.open = false;
  }
}

/**
 * A database file several processes open at once (the transformer's membership), with whichever engine loads:
 * better-sqlite3, else node:sqlite (no build at all; Node >= 22.13). Both write the same file format, so workers
 * on either engine share it. Throws, naming both causes, when neither loads (Node 20 without the addon built).
 */
export function openSharedDb(file: string, busyTimeoutMs: number): StateDb {
  const Database = loadBetterSqlite3();
  if (!(Database instanceof Error)) return new Database(file, { timeout: busyTimeoutMs });
  let nodeSqlite: { DatabaseSync: new (path: string) => SyncDatabase };
  try {
    nodeSqlite = requireHere('node:sqlite') as typeof nodeSqlite;
  } catch (error) {
    throw new Error(`better-sqlite3 cannot be loaded (${firstLine(Database)}) and Node ${process.version} has no node:sqlite (${firstLine(error as Error)})`);
  }
  const db = new NodeSqliteDb(file, new nodeSqlite.DatabaseSync(file));
  db.pragma(`busy_timeout = ${busyTimeoutMs}`);
  // Only the calls NodeSqliteDb implements are made on a shared database (see SqliteMembershipStore).
  return db as unknown as StateDb;
}
