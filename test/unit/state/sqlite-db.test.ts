import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readdirSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileSystemCause, openStateDb } from '../../../src/state/sqlite/db.js';

/** The temporary files SQLite holds open in this process (named etilqs_*). */
const sqliteTempFiles = (): string[] =>
  readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      return target.includes('etilqs') ? [target] : [];
    } catch {
      return [];
    }
  });

// README, Performance: "No durability setting is weakened". A commit survives a process crash (WAL, NORMAL), the
// file is this process's alone, and SQLite's statement journals stay in memory rather than in a file of their own.
describe('the state file as opened', () => {
  it('is WAL with synchronous NORMAL, held exclusively, statement journals in memory', () => {
    const db = openStateDb(mkdtempSync(join(tmpdir(), 'state-db-')));
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
      expect(db.pragma('locking_mode', { simple: true })).toBe('exclusive');
      expect(db.pragma('temp_store', { simple: true })).toBe(2); // MEMORY
      // A statement rewriting pages its transaction already wrote keeps their earlier content to undo it alone (a
      // statement journal): past 64 KB SQLite's default spills that to a file of its own under /var/tmp.
      // Only files opened here count: an earlier test file in this jest worker may have left a database open.
      const before = sqliteTempFiles();
      db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
      const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
      db.transaction(() => {
        for (let i = 0; i < 2000; i++) insert.run('x'.repeat(200));
        db.prepare("UPDATE t SET v = v || 'y'").run();
      })();
      expect(sqliteTempFiles().filter((file) => !before.includes(file))).toEqual([]);
    } finally {
      db.close();
    }
  });
});

// A read-only file system or a full disk cannot be made in a test run as root; the e2e suite (bad-state) covers
// the paths that can (a file in the way, a file as a parent, no permission when not root).
describe('state dir failures name their cause', () => {
  it.each([
    ['EROFS', 'the file system is read-only (EROFS)', 'mount it writable or pass another --data-dir'],
    ['EACCES', 'permission denied (EACCES)', 'fix its permissions or pass another --data-dir'],
    ['EPERM', 'permission denied (EPERM)', 'fix its permissions or pass another --data-dir'],
    ['ENOSPC', 'the disk is full (ENOSPC)', 'free some space or pass another --data-dir'],
    ['ENOTDIR', 'a part of the path is a file, not a directory (ENOTDIR)', 'pass another --data-dir'],
    ['EIO', 'EIO', 'fix its permissions or pass another --data-dir'],
  ])('%s', (code, cause, fix) => {
    expect(fileSystemCause(code)).toEqual({ cause, fix });
  });
});
