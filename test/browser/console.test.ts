import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { adminToken, basic, startTestServer, writeKey, type TestServer } from '../unit/server/harness.js';

/**
 * The console in a real browser (Debian's Chromium, driven by playwright-core), as an operator uses it: sign in,
 * watch the chart move while events flow, find the event OpenPanel refused under Dead letters, see why, fix and
 * replay it, look up a user's groups, run the event tester. One browser for the whole flow; a screenshot of each
 * page goes to test-artifacts/console/ (not committed).
 */

const chromiumPath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const artifacts = fileURLToPath(new URL('../../test-artifacts/console/', import.meta.url));
const blockedName = 'Report Exported (beta)';

const event = (fields: Record<string, unknown>) => ({ timestamp: new Date().toISOString(), context: { library: { name: 'analytics-node' } }, ...fields });

describe('console in a browser', () => {
  let t: TestServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const secrets = () => [t.fake.clientSecret, writeKey, adminToken];
  const send = (batch: unknown[]) => t.request('POST', '/v1/batch', { batch, writeKey }, { authorization: basic(writeKey) });
  const shot = (name: string) => page.screenshot({ path: `${artifacts}${name}.png`, fullPage: true });
  const expectNoSecret = async () => {
    const html = await page.content();
    for (const secret of secrets()) expect(html).not.toContain(secret);
  };

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    t = await startTestServer({ console: true, fake: { latencyMs: 20 } });
    // A refusal the connector cannot foresee (say a newer OpenPanel's event-name blocklist): 400, dead-lettered at once.
    t.fake.refuse((body) => (body.type === 'track' && body.payload.name === blockedName ? 'Event name contains blocked content' : undefined));
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(8_000);
    // A script error or a refused resource (CSP) fails the test at its end.
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => void (message.type() === 'error' && pageErrors.push(message.text())));
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('signs in with the admin token', async () => {
    await page.goto(`${t.url}/`);
    expect(new URL(page.url()).pathname).toBe('/console/login');
    await page.fill('input[name=token]', 'wrong');
    await page.click('button[type=submit]');
    await page.waitForSelector('#failed:not([hidden])');
    await page.fill('input[name=token]', adminToken);
    await page.click('button[type=submit]');
    await page.waitForSelector('#health-status:not(:text("…"))');
    expect(new URL(page.url()).pathname).toBe('/console');
    expect(await page.textContent('#instance')).toBe('test-instance');
  });

  it('shows health and the chart moving while events flow', async () => {
    await page.waitForSelector('#rates-chart canvas');
    expect(await page.textContent('#health-status')).toBe('ok');
    const before = await page.locator('#rates-chart').screenshot();
    await send([
      event({ type: 'group', messageId: 'g-1', userId: 'u-ada', groupId: 'acme', traits: { name: 'Acme Inc', plan: 'pro' } }),
      event({ type: 'identify', messageId: 'i-1', userId: 'u-ada', traits: { email: 'ada@example.com', name: 'Ada Lovelace' } }),
    ]);
    for (let i = 0; i < 3; i++) {
      await send(
        Array.from({ length: 10 }, (_, n) => event({ type: 'track', messageId: `t-${i}-${n}`, userId: 'u-ada', event: 'Report Exported', properties: { n } })),
      );
      await page.waitForTimeout(300);
    }
    await page.waitForFunction(() => /Last hour: 32 received, 32 delivered/.test(document.querySelector('#rates-totals')?.textContent ?? ''));
    const after = await page.locator('#rates-chart').screenshot();
    expect(after.equals(before)).toBe(false);
    await page.waitForFunction(() => document.querySelector('#request-p50')?.textContent?.endsWith('ms'));
    expect(await page.textContent('#queued-events')).toBe('0');
    await shot('overview');
    await expectNoSecret();
  });

  it('shows live events with their OpenPanel requests, filtered, and the refused one', async () => {
    await send([event({ type: 'track', messageId: 'blocked-1', userId: 'u-ada', event: blockedName, properties: { format: 'pdf' } })]);
    await page.click('nav a[href="#live"]');
    await page.selectOption('#live-filter select[name=status]', 'dead_lettered');
    const row = page.locator('tr.event-row[data-status=dead_lettered]');
    await row.waitFor();
    expect(await page.locator('tr.event-row').count()).toBe(1);
    await row.click();
    const detail = page.locator('tr.event-detail');
    await expect(detail.textContent()).resolves.toContain('400');
    await expect(detail.textContent()).resolves.toContain('Event name contains blocked content');
    await page.fill('#live-filter input[name=user]', 'someone-else');
    await page.waitForFunction(() => document.querySelectorAll('tr.event-row').length === 0);
    await page.fill('#live-filter input[name=user]', 'u-ada');
    await page.selectOption('#live-filter select[name=status]', '');
    await page.waitForFunction(() => document.querySelectorAll('tr.event-row').length === 33);
    await page.click('#live-pause');
    expect(await page.textContent('#live-count')).toContain('(paused)');
    await shot('live-events');
    // The events were sent with the write key in the body and the requests carry no client secret.
    await expectNoSecret();
    await page.click('#live-pause');
  });

  it('finds the dead letter, says why, and delivers a fixed copy', async () => {
    await page.click('nav a[href="#dead-letters"]');
    await page.waitForSelector('#dl-table tbody tr');
    expect(await page.textContent('#dl-total')).toBe('1 dead letter(s)');
    await page.click('#dl-table tbody tr button.open');
    await page.waitForSelector('#dl-detail:not([hidden])');
    expect(await page.textContent('#dl-reason')).toContain('Event name contains blocked content');
    expect(await page.textContent('#dl-last')).toMatch(/^HTTP 400: .*blocked content/);
    await shot('dead-letters');
    await expectNoSecret();
    const fixed = (await page.inputValue('#dl-event')).replace(blockedName, 'Report Exported');
    await page.fill('#dl-event', fixed);
    await page.click('#dl-replay-edited');
    await page.waitForFunction(() => document.querySelector('#dl-outcome')?.textContent?.startsWith('Replayed: delivered'));
    await page.waitForFunction(() => document.querySelector('#dl-total')?.textContent === '0 dead letter(s)');
    const delivered = t.fake.tracksOf('u-ada').filter((track) => track.properties?.['format'] === 'pdf');
    expect(delivered).toEqual([expect.objectContaining({ name: 'Report Exported', groups: ['acme'] })]);
  });

  it("looks up a user's groups, and a group as OpenPanel holds it", async () => {
    await page.click('nav a[href="#users"]');
    await page.fill('#user-form input[name=key]', 'u-ada');
    await page.click('#user-form button');
    await page.waitForSelector('#user-groups');
    expect(await page.textContent('#user-groups tbody')).toContain('acme');
    expect(await page.textContent('#user-groups tbody')).toContain('Acme Inc');
    await page.click('#user-groups a');
    await page.waitForSelector('#group-state');
    const group = await page.textContent('#group-state');
    expect(group).toContain('Acme Inc');
    expect(group).toContain('"plan": "pro"');
    await shot('users-and-groups');
  });

  it('runs the event tester: the requests an event would make, nothing changed', async () => {
    const received = t.fake.stats.received;
    await page.click('nav a[href="#tester"]');
    await page.fill(
      '#tester-input',
      JSON.stringify([
        { type: 'group', userId: 'u-bob', groupId: 'globex', traits: { name: 'Globex' } },
        { type: 'track', userId: 'u-bob', event: 'Seat Added' },
      ]),
    );
    await page.click('#tester-run');
    await page.waitForSelector('.tester-result');
    const results = page.locator('.tester-result');
    expect(await results.count()).toBe(2);
    const track = await results.nth(1).textContent();
    expect(track).toContain('"name": "Seat Added"');
    // The group call of the same paste counts for the track, as the SDK would.
    expect(track).toContain('"globex"');
    await shot('event-tester');
    await expectNoSecret();
    // A dry run: OpenPanel got nothing and membership is as it was.
    expect((await t.destination.groupsOf('u-bob')).length).toBe(0);
    expect(t.fake.stats.received).toBe(received);
  });

  it('ran without a script error', () => {
    expect(pageErrors).toEqual([]);
  });
});
