/** Why a file could not be read, in words (for one-line errors that name the path); this module imports nothing. */
export function readFailure(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  const reasons: Record<string, string> = {
    ENOENT: 'no such file',
    EACCES: 'permission denied',
    EISDIR: 'it is a directory',
  };
  return (code !== undefined && reasons[code]) || code || 'unknown error';
}
