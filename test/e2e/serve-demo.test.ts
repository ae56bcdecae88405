import { describe, expect, it, jest } from '@jest/globals';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

jest.setTimeout(60_000);
const run = promisify(execFile);
const root = new URL('../..', import.meta.url).pathname;

describe('npm run demo', () => {
  it("sends the Groups guide's flows through serve and prints what the sink received, exit 0", async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'scripts/demo.ts'], { cwd: root, env: { PATH: process.env.PATH ?? '' } });
    expect(stdout).toMatch(/OpenPanel received \d+ requests for 12 events/);
    expect(stdout).toMatch(/org_globex {2}type=company name="Globex Corp" properties=\{"plan":"enterprise","mrr":4900\}/);
    expect(stdout).toMatch(/user_123 -> \["org_acme"\]/);
    expect(stdout).toMatch(/user_123 +report_exported +groups=\["org_acme"\]/);
    expect(stdout).toMatch(/user_456 +file_shared +groups=\["org_globex","org_partner"\]/);
    expect(stdout).toMatch(/user_789 +dashboard_viewed +groups=\[\]/);
  });
});
