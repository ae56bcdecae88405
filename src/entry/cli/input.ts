import { readFile } from 'node:fs/promises';
import { parseInputText, type InputItem } from '../../spec/input.js';

/** Reads the whole input (--input FILE, else stdin) and splits it into events (NDJSON, JSON array or {batch}). */
export async function readInput(file: string | undefined): Promise<InputItem[]> {
  if (file !== undefined) return parseInputText(await readFile(file, 'utf8'));
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return parseInputText(Buffer.concat(chunks).toString('utf8'));
}
