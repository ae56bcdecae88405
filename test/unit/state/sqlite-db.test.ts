import { describe, expect, it } from '@jest/globals';
import { fileSystemCause } from '../../../src/state/sqlite/db.js';

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
