import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { request } from 'undici';
import { newSession } from '../../../src/entry/server/console/session.js';
import { adminToken, startTestServer, type TestServer } from './harness.js';

interface Call {
  method?: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  payload?: string | object;
}

/** A real HTTP request with headers as given (host and origin included), redirects not followed. */
async function call(t: TestServer, { method = 'GET', url, headers = {}, payload }: Call) {
  const body = payload === undefined || typeof payload === 'string' ? payload : JSON.stringify(payload);
  const contentType = typeof payload === 'object' ? { 'content-type': 'application/json' } : {};
  const answer = await request(`${t.url}${url}`, { method, headers: { ...contentType, ...headers }, body });
  const text = await answer.body.text();
  return { statusCode: answer.statusCode, headers: answer.headers, body: text, json: () => JSON.parse(text) };
}

const form = (fields: Record<string, string>) => ({
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  payload: new URLSearchParams(fields).toString(),
});

describe('console sign-in', () => {
  let t: TestServer;
  let cookie: string;
  let csrf: string;
  const host = 'console.test';

  beforeAll(async () => {
    t = await startTestServer({ console: true });
  });
  afterAll(() => t.close());

  it('sends a visitor who is not signed in to the login form; the API answers 401', async () => {
    expect((await call(t, { url: '/' })).headers.location).toBe('/console');
    const page = await call(t, { url: '/console' });
    expect(page.statusCode).toBe(303);
    expect(page.headers.location).toBe('/console/login');
    const login = await call(t, { url: '/console/login' });
    expect(login.statusCode).toBe(200);
    expect(login.body).toContain('name="token"');
    const api = await call(t, { url: '/console/api/overview' });
    expect(api.statusCode).toBe(401);
    expect(api.json().message).toMatch(/sign in at \/console\/login/);
  });

  it('refuses a wrong token without a cookie', async () => {
    const answer = await call(t, { method: 'POST', url: '/console/login', ...form({ token: 'not-the-token' }) });
    expect(answer.statusCode).toBe(303);
    expect(answer.headers.location).toBe('/console/login?failed=1');
    expect(answer.headers['set-cookie']).toBeUndefined();
    const logged = t.logs.filter((line) => line.includes('console sign-in refused'));
    expect(logged).toHaveLength(1);
    expect(logged[0]).not.toContain('not-the-token');
  });

  it('refuses a login posted from another site', async () => {
    const answer = await call(t, {
      method: 'POST',
      url: '/console/login',
      ...form({ token: adminToken }),
      headers: { ...form({}).headers, host, origin: 'https://evil.example' },
    });
    expect(answer.statusCode).toBe(403);
    expect(answer.headers['set-cookie']).toBeUndefined();
  });

  it('signs in with the admin token: an HttpOnly, SameSite=Strict session cookie that does not hold the token', async () => {
    const answer = await call(t, {
      method: 'POST',
      url: '/console/login',
      ...form({ token: adminToken }),
      headers: { ...form({}).headers, host, origin: `http://${host}` },
    });
    expect(answer.statusCode).toBe(303);
    expect(answer.headers.location).toBe('/console');
    const setCookie = String(answer.headers['set-cookie']);
    expect(setCookie).toMatch(/^opd_console=\d+\.[\w-]+; Path=\/console; Max-Age=43200; HttpOnly; SameSite=Strict$/);
    expect(setCookie).not.toContain(adminToken);
    cookie = setCookie.split(';')[0]!;
    const page = await call(t, { url: '/console', headers: { cookie } });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    const session = await call(t, { url: '/console/api/session', headers: { cookie } });
    expect(session.json()).toEqual({ instance: 'test-instance', csrfToken: expect.any(String) });
    csrf = session.json().csrfToken;
  });

  it('marks the cookie Secure behind an https proxy', async () => {
    const answer = await call(t, {
      method: 'POST',
      url: '/console/login',
      ...form({ token: adminToken }),
      headers: { ...form({}).headers, 'x-forwarded-proto': 'https' },
    });
    expect(String(answer.headers['set-cookie'])).toMatch(/; Secure$/);
  });

  it('takes a cookie-signed POST only with its CSRF token, from its own origin', async () => {
    const replay = (headers: Record<string, string>) =>
      call(t, { method: 'POST', url: '/console/api/dead-letters/replay', payload: {}, headers: { cookie, host, ...headers } });
    expect((await replay({})).statusCode).toBe(403);
    expect((await replay({ 'x-csrf-token': 'forged' })).statusCode).toBe(403);
    expect((await replay({ 'x-csrf-token': csrf, origin: 'https://evil.example' })).statusCode).toBe(403);
    expect((await replay({ 'x-csrf-token': csrf })).json()).toEqual({ delivered: 0, failed: 0 });
    expect((await replay({ 'x-csrf-token': csrf, origin: `http://${host}` })).statusCode).toBe(200);
    // Another session's token does not fit this one.
    const other = newSession(adminToken, Date.now() + 1000);
    expect(
      (
        await call(t, {
          method: 'POST',
          url: '/console/api/dead-letters/replay',
          payload: {},
          headers: { cookie: `opd_console=${other}`, 'x-csrf-token': csrf },
        })
      ).statusCode,
    ).toBe(403);
  });

  it('refuses forged, expired and foreign-token cookies', async () => {
    const [expiry, mac] = cookie.split('=')[1]!.split('.');
    for (const value of [`${Number(expiry) + 1}.${mac}`, newSession(adminToken, Date.now() - 13 * 3600_000), newSession('another-token'), 'garbage']) {
      expect((await call(t, { url: '/console/api/overview', headers: { cookie: `opd_console=${value}` } })).statusCode).toBe(401);
      expect((await call(t, { url: '/console', headers: { cookie: `opd_console=${value}` } })).statusCode).toBe(303);
    }
  });

  it('takes the bearer header instead, no CSRF token needed (browsers never send it on their own)', async () => {
    const bearer = { authorization: `Bearer ${adminToken}` };
    expect((await call(t, { url: '/console/api/overview', headers: bearer })).statusCode).toBe(200);
    expect((await call(t, { method: 'POST', url: '/console/api/dead-letters/replay', payload: {}, headers: bearer })).statusCode).toBe(200);
    expect((await call(t, { url: '/console/api/overview', headers: { authorization: 'Bearer wrong' } })).statusCode).toBe(401);
    // A wrong bearer is not rescued by a valid cookie.
    expect((await call(t, { url: '/console/api/overview', headers: { authorization: 'Bearer wrong', cookie } })).statusCode).toBe(401);
  });

  it('signs out by clearing the cookie', async () => {
    const answer = await call(t, { method: 'POST', url: '/console/logout', payload: {}, headers: { cookie, 'x-csrf-token': csrf } });
    expect(answer.statusCode).toBe(200);
    expect(String(answer.headers['set-cookie'])).toMatch(/^opd_console=; Path=\/console; Max-Age=0; HttpOnly; SameSite=Strict/);
  });

  it('serves its scripts and uPlot from the package, not a CDN', async () => {
    const uplot = await call(t, { url: '/console/assets/uPlot.iife.min.js' });
    expect(uplot.statusCode).toBe(200);
    expect(uplot.headers['content-type']).toMatch(/javascript/);
    expect((await call(t, { url: '/console/assets/nope.js' })).statusCode).toBe(404);
    const page = await call(t, { url: '/console', headers: { authorization: `Bearer ${adminToken}` } });
    expect(page.body).not.toMatch(/https?:\/\//);
  });
});

describe('without an adminToken', () => {
  it('the console is not served', async () => {
    const t = await startTestServer({ console: true, config: { adminToken: undefined } });
    try {
      for (const url of ['/', '/console', '/console/login', '/console/api/overview', '/console/assets/console.js']) {
        expect((await call(t, { url, headers: { authorization: 'Bearer x' } })).statusCode).toBe(404);
      }
      expect((await call(t, { method: 'POST', url: '/console/login', ...form({ token: 'x' }) })).statusCode).toBe(404);
    } finally {
      await t.close();
    }
  });
});
