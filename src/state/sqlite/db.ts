import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { StateError } from '../state-error.js';
import { betterSqlite3OrFail, type StateDb } from './engine.js';

export type { StateDb };

export interface OpenStateOptions {
  /** How long to wait for another process to release the data dir before giving up; default 5 s. */
  lockTimeoutMs?: number;
}

const sqliteCode = (error: unknown): string => String((error as { code?: unknown }).code ?? '');

/** What the file system said, named, with what to do about it: read-only, no permission, full, or else the code. */
export function fileSystemCause(code: string): { cause: string; fix: string } {
  const elsewhere = 'or pass another --data-dir';
  switch (code) {
    case 'EROFS':
      return { cause: 'the file system is read-only (EROFS)', fix: `mount it writable ${elsewhere}` };
    case 'EACCES':
    case 'EPERM':
      return { cause: `permission denied (${code})`, fix: `fix its permissions ${elsewhere}` };
    case 'ENOSPC':
    case 'EDQUOT':
      return { cause: `the disk is full (${code})`, fix: `free some space ${elsewhere}` };
    case 'EEXIST':
      return { cause: 'a file of that name is in the way (EEXIST)', fix: `move it aside ${elsewhere}` };
    case 'ENOTDIR':
      return { cause: 'a part of the path is a file, not a directory (ENOTDIR)', fix: `pass another --data-dir` };
    default:
      return { cause: code || 'error', fix: `fix its permissions ${elsewhere}` };
  }
}

/**
 * The code of a failed write under `path`: Node's recursive mkdir reports ENOENT when it could not create a
 * parent, so the nearest existing ancestor is asked whether it is writable (EROFS, EACCES, ...).
 */
function writeFailureCode(path: string, error: unknown): string {
  const code = sqliteCode(error);
  if (code !== 'ENOENT') return code;
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    if (!existsSync(dir)) {
      if (dirname(dir) === dir) return code;
      continue;
    }
    try {
      accessSync(dir, constants.W_OK);
      return code;
    } catch (parentError) {
      return sqliteCode(parentError) || code;
    }
  }
}

function check(path: string, work: () => void, what: string): void {
  try {
    work();
  } catch (error) {
    const { cause, fix } = fileSystemCause(writeFailureCode(path, error));
    throw new StateError('unusable', path, `${what}: ${cause}`, fix);
  }
}

/** What a user can act on, from SQLite's error code; one list for failures at open and in use. */
function failureKind(error: unknown): 'busy' | 'full' | 'corrupt' | 'unwritable' | undefined {
  const code = sqliteCode(error);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'busy';
  if (code === 'SQLITE_FULL') return 'full';
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) return 'corrupt';
  if (code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_PERM') || code.startsWith('SQLITE_IOERR'))
    return 'unwritable';
  return undefined;
}

/** Maps SQLite's failures while opening to the three things a user can act on. */
function stateErrorOf(error: unknown, file: string, lockTimeoutMs: number): unknown {
  const code = sqliteCode(error);
  switch (failureKind(error)) {
    case 'busy':
      return new StateError(
        'busy',
        file,
        `in use by another openpanel-destination process (waited ${(lockTimeoutMs / 1000).toFixed(1)} s)`,
        'let it finish or stop it, or pass another --data-dir',
      );
    case 'corrupt':
      return new StateError('corrupt', file, `not a readable state database (${code})`, 'move it aside (events queued in it are lost) and run again');
    case 'unwritable':
      return new StateError('unusable', file, `cannot be opened for writing (${code})`, 'fix its permissions or pass another --data-dir');
    default:
      return error;
  }
}

/**
 * A failure of the state file while in use (disk full, the file or its disk gone bad) as the one line the CLI
 * prints with the exit code of unusable (or corrupt) state. The transaction that met it rolled back, so what
 * was committed before is kept and a re-run delivers it. Any other error is returned as it is.
 */
export function stateFailure(error: unknown, file: string): unknown {
  if (error instanceof StateError) return error;
  const code = sqliteCode(error);
  const again = 'then run the same command again (what was committed is kept)';
  switch (failureKind(error)) {
    case 'full':
      return new StateError('unusable', file, `the disk is full (${code})`, `free some space, ${again}`);
    case 'corrupt':
      return new StateError('corrupt', file, `not a readable state database any more (${code})`, 'move it aside (events queued in it are lost) and run again');
    case 'unwritable':
      return new StateError(
        'unusable',
        file,
        `cannot be written any more (${code}: the disk may be full or failing)`,
        `free some space or fix the disk and the file's permissions, ${again}`,
      );
    default:
      return error;
  }
}

/** `work` with the state file's failures turned into StateErrors (see stateFailure). */
export function guarded<A extends unknown[], R>(db: StateDb, work: (...args: A) => R): (...args: A) => R {
  return (...args) => {
    try {
      return work(...args);
    } catch (error) {
      throw stateFailure(error, db.name);
    }
  };
}

/**
 * The embedded state file under --data-dir (outbox, membership, delivered keys, dead letters), opened for this
 * process alone: locking_mode EXCLUSIVE holds the file lock until close (the OS drops it if the process dies,
 * so a kill -9 leaves no stale lock), and a second process waits `lockTimeoutMs`, then fails with 'busy'.
 * WAL with synchronous NORMAL: a commit survives a process crash; group commit keeps fsyncs rare.
 */
export function openStateDb(dataDir: string, { lockTimeoutMs = 5_000 }: OpenStateOptions = {}): StateDb {
  check(dataDir, () => mkdirSync(dataDir, { recursive: true }), 'cannot create the data dir');
  check(dataDir, () => accessSync(dataDir, constants.R_OK | constants.W_OK | constants.X_OK), 'the data dir is not readable and writable');
  const file = join(dataDir, 'state.sqlite');
  if (existsSync(file)) check(file, () => accessSync(file, constants.R_OK | constants.W_OK), 'the state file is not readable and writable');
  const BetterSqlite3 = betterSqlite3OrFail();
  let db: StateDb | undefined;
  try {
    db = new BetterSqlite3(file, { timeout: lockTimeoutMs });
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    // Fewer, larger checkpoints (each one syncs the file) and a page cache that holds the outbox's hot pages.
    db.pragma('wal_autocheckpoint = 10000');
    db.pragma('cache_size = -32000');
    // Statement journals (a statement's undo inside its transaction; nothing durable) in memory: spilled to a file
    // under /var/tmp past 64 KB, they were a third of the bytes a `send` wrote and ~7% of its CPU (README, Performance).
    db.pragma('temp_store = MEMORY');
    // Take the lock now, before anything is read or sent, rather than at the first write.
    db.exec('BEGIN EXCLUSIVE; COMMIT');
    const verdict = db.pragma('quick_check', { simple: true });
    if (verdict !== 'ok') throw Object.assign(new Error(String(verdict)), { code: 'SQLITE_CORRUPT' });
    return db;
  } catch (error) {
    db?.close();
    throw stateErrorOf(error, file, lockTimeoutMs);
  }
}

/** A database in this process's memory: the library's state without a dataDir. */
export const openMemoryDb = (): StateDb => new (betterSqlite3OrFail())(':memory:');
