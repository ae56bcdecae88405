/**
 * The least a transform can do: parse each serialized event, copy a few fields into an OpenPanel-shaped
 * request, serialize it. No validation, membership or rules: a floor, not a competitor. Plain JavaScript so that,
 * run as a process (`node bench/transform-floor.mjs FILE`: NDJSON in, one line out per event), it starts as
 * fast as the built CLI it is compared with.
 */
import { createReadStream } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** @param {Record<string, any>} event */
function remapOne(event) {
  const context = event['context'] ?? {};
  return JSON.stringify({
    headers: { 'user-agent': context.userAgent, 'openpanel-client-ip': context.ip },
    body: {
      type: 'track',
      payload: {
        name: event['event'] ?? event['name'] ?? event['type'],
        profileId: event['userId'],
        properties: { ...event['properties'], ...event['traits'], __timestamp: event['timestamp'] },
      },
    },
  });
}

/** @param {string[]} lines */
export const remapFloor = (lines) => lines.map((line) => remapOne(JSON.parse(line)));

/**
 * Lines split at \n, as the CLI reads them (src/entry/cli/input.ts): not node:readline, which since Node 24 also
 * ends lines at U+2028/U+2029, so the floor would read other lines than the CLI.
 * @param {AsyncIterable<string>} stream
 */
async function* lines(stream) {
  let rest = '';
  for await (const chunk of stream) {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop() ?? '';
    yield* parts;
  }
  yield rest;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // Output in chunks, as the CLI writes it.
  let pending = '';
  for await (const line of lines(createReadStream(process.argv[2] ?? '', 'utf8'))) {
    if (line.trim() === '') continue;
    pending += `${remapOne(JSON.parse(line))}\n`;
    if (pending.length >= 64 * 1024) {
      if (!process.stdout.write(pending)) await new Promise((resolve) => process.stdout.once('drain', resolve));
      pending = '';
    }
  }
  process.stdout.write(pending);
}
