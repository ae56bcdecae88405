/** Checks on unknown JSON values that every layer needs; this module imports nothing (docs/architecture.md "Layers"). */

export const isPlainObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** A string with something in it, trimmed; anything else (numbers included) is not text. */
export const nonBlankText = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);

/** Non-blank text, or a finite number written as text (campaign values, OS versions). */
export const textOrNumber = (value: unknown): string | undefined => (typeof value === 'number' && Number.isFinite(value) ? String(value) : nonBlankText(value));
