import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from '@jest/globals';

/**
 * rudder-transformer is a CommonJS host with several worker processes: each `require`s the package (dist/cjs,
 * built by `npm test`'s pretest) without --experimental-vm-modules, and any of them may get a user's next events.
 */
const run = promisify(execFile);
const repoRoot = new URL('../../../', import.meta.url).pathname;
const stateDir = mkdtempSync(join(tmpdir(), 'openpanel-workers-'));
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

const worker = `
const { processRouterDest, process: processEvent } = require('openpanel-destination');
const { BaseError } = require('@rudderstack/integrations-lib');
const [inputs, alias] = JSON.parse(process.argv[1]);
(async () => {
  const outputs = await processRouterDest(inputs, {});
  let aliasIsHostBaseError = null;
  if (alias) await processEvent(alias).catch((error) => { aliasIsHostBaseError = error instanceof BaseError; });
  process.stdout.write(JSON.stringify({ outputs, aliasIsHostBaseError }));
})();
`;

const destination = { ID: 'workers-dest', Config: { clientId: '5c7d8e9f-0a1b-4c2d-8e3f-4a5b6c7d8e9f', clientSecret: 'sec_workers' } };
const event = (message: object, jobId: number) => ({ message, destination, metadata: { jobId } });

async function inWorker(inputs: object[], alias?: object) {
  const { stdout } = await run(process.execPath, ['-e', worker, JSON.stringify([inputs, alias])], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH, OPENPANEL_DESTINATION_DATA_DIR: stateDir },
  });
  return JSON.parse(stdout) as { outputs: { statusCode: number; batchedRequest: { body: { JSON: unknown } } }[]; aliasIsHostBaseError: boolean | null };
}

describe('the CommonJS entry in several worker processes', () => {
  it("keeps group membership across processes, and its errors are the host package's BaseError", async () => {
    const first = await inWorker([event({ type: 'group', userId: 'worker-user', groupId: 'org_w', traits: { name: 'Workers Inc' } }, 1)]);
    expect(first.outputs.map((o) => o.statusCode)).toEqual([200]);

    const second = await inWorker(
      [event({ type: 'track', userId: 'worker-user', event: 'Report Exported' }, 2)],
      event({ type: 'alias', userId: 'worker-user', previousId: 'anon-w' }, 3),
    );
    expect(second.outputs.map((o) => o.batchedRequest.body.JSON)).toEqual([
      { type: 'track', payload: { name: 'Report Exported', profileId: 'worker-user', groups: ['org_w'] } },
    ]);
    expect(second.aliasIsHostBaseError).toBe(true);
  });

  it('lets workers write membership at the same time (no worker holds the file to itself)', async () => {
    const burst = (user: string, jobs: number) =>
      Array.from({ length: jobs }, (_, i) =>
        event(
          i % 2 === 0
            ? { type: 'group', userId: user, groupId: `${user}-org-${i}`, traits: { name: `Org ${i}` } }
            : { type: 'track', userId: user, event: 'Tick' },
          i,
        ),
      );
    const [a, b] = await Promise.all([inWorker(burst('burst-a', 200)), inWorker(burst('burst-b', 200))]);
    expect([a.outputs.filter((o) => o.statusCode === 200).length, b.outputs.filter((o) => o.statusCode === 200).length]).toEqual([200, 200]);
    const last = (outputs: typeof a.outputs) => outputs.at(-1)?.batchedRequest.body.JSON as { payload: { groups: string[] } };
    expect(last(a.outputs).payload.groups).toHaveLength(100);
    expect(last(b.outputs).payload.groups).toHaveLength(100);
  });
});
