import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import pkg from '../../../package.json' with { type: 'json' };
import { createDestination, type Destination } from '../../../src/entry/library/destination.js';
import { type DestinationConfigInput, type TransformResult } from '../../../src/index.js';
import { zOpenPanelBody } from '../../../src/openpanel/contract.js';

/**
 * Runs every scenario under test/fixtures/ (format: test/fixtures/README.md) through a fresh destination:
 * each result must match its expectation, every request body must be one OpenPanel accepts, and the client
 * secret must appear nowhere in the output.
 */

const fixturesDir = fileURLToPath(new URL('../../fixtures/', import.meta.url));
const secret = 'sec_fixture_secret_must_never_leave';
const baseConfig = { clientId: '0b6f7c1e-4a2d-4c1b-9e8f-5a3d2c1b0a99', clientSecret: secret };
/** Receive time of events without a timestamp. */
const now = () => Date.parse('2025-03-01T12:00:00.000Z');
/** Header values may name the package's version this way, so a release does not rewrite the fixtures. */
const versionPlaceholder = '$package.version';

const zExpectedRequest = z.strictObject({
  headers: z.record(z.string(), z.string()).optional(),
  body: z.strictObject({ type: z.string(), payload: z.record(z.string(), z.unknown()) }),
});
const zExpected = z.discriminatedUnion('status', [
  z.strictObject({ status: z.literal('ok'), userKey: z.string().optional(), note: z.string().optional(), requests: z.array(zExpectedRequest).min(1) }),
  z.strictObject({ status: z.enum(['skipped', 'rejected']), userKey: z.string().optional(), reason: z.string().min(1) }),
]);
const zFixture = z
  .strictObject({
    description: z.string().min(1),
    config: z.record(z.string(), z.unknown()).default({}),
    events: z.array(z.unknown()).min(1),
    expected: z.array(zExpected),
  })
  .refine((f) => f.expected.length === f.events.length, { error: 'needs one expected entry per event', path: ['expected'] });
type Expected = z.infer<typeof zExpected>;

function loadFixtures(): Array<{ name: string; folder: string; fixture: z.infer<typeof zFixture> }> {
  const files = readdirSync(fixturesDir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.json'))
    .sort();
  return files.map((name) => {
    const parsed = zFixture.safeParse(JSON.parse(readFileSync(join(fixturesDir, name), 'utf8')));
    if (!parsed.success) throw new Error(`fixture ${name}: ${z.prettifyError(parsed.error)}`);
    return { name, folder: name.split('/')[0] as string, fixture: parsed.data };
  });
}

/** `/source/flags` is a regular expression, anything else a substring. */
function reasonMatcher(reason: string): unknown {
  const regex = /^\/(.+)\/([a-z]*)$/.exec(reason);
  return regex ? expect.stringMatching(new RegExp(regex[1] as string, regex[2])) : expect.stringContaining(reason);
}

/** The expectation as jest matchers, and the result cut down to what the expectation states. */
function compared(expected: Expected, result: TransformResult): { want: unknown; got: unknown } {
  const userKey = expected.userKey === undefined ? {} : { userKey: result.userKey };
  if (expected.status !== 'ok') {
    const got = { status: result.status, ...userKey, ...('reason' in result ? { reason: result.reason } : { requests: result.requests }) };
    return { want: { ...expected, reason: reasonMatcher(expected.reason) }, got };
  }
  if (result.status !== 'ok') return { want: expected, got: result };
  // An ok result's note is compared where the fixture states one, like a reason.
  const note = expected.note === undefined ? {} : { note: result.note };
  const requests = result.requests.map((request, i) =>
    expected.requests[i]?.headers === undefined ? { body: request.body } : { headers: request.headers, body: request.body },
  );
  const want = {
    ...expected,
    ...(expected.note === undefined ? {} : { note: reasonMatcher(expected.note) }),
    requests: expected.requests.map((request) =>
      request.headers === undefined
        ? request
        : { ...request, headers: Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, v === versionPlaceholder ? pkg.version : v])) },
    ),
  };
  return { want, got: { status: result.status, ...userKey, ...note, requests } };
}

const messageIdOf = (event: unknown): string | undefined => {
  const id = (event as { messageId?: unknown } | null)?.messageId;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
};

const fixtures = loadFixtures();
const folders = [...new Set(fixtures.map((f) => f.folder))];

describe.each(folders)('fixtures/%s', (folder) => {
  let destination: Destination | undefined;
  afterEach(async () => {
    await destination?.close();
    destination = undefined;
  });

  it.each(fixtures.filter((f) => f.folder === folder).map((f) => [`${f.name}: ${f.fixture.description}`, f.fixture] as const))('%s', async (_, fixture) => {
    destination = createDestination({ ...baseConfig, ...fixture.config } as DestinationConfigInput, { now });
    const results = await destination.transform(fixture.events);

    expect(results.map((r) => [r.index, r.messageId])).toEqual(fixture.events.map((event, i) => [i, messageIdOf(event)]));
    const pairs = fixture.expected.map((expected, i) => compared(expected, results[i] as TransformResult));
    expect(pairs.map((p) => p.got)).toStrictEqual(pairs.map((p) => p.want));

    for (const result of results) {
      if (result.status !== 'ok') continue;
      for (const { body, headers } of result.requests) {
        const check = zOpenPanelBody.safeParse(body);
        expect(check.success ? 'accepted by OpenPanel' : `${JSON.stringify(body)}: ${z.prettifyError(check.error)}`).toBe('accepted by OpenPanel');
        expect(Object.keys(headers)).not.toContain('openpanel-client-secret');
      }
    }
    expect(JSON.stringify(results)).not.toContain(secret);
  });
});
