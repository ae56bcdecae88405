import { describe, expect, it } from '@jest/globals';
import { classifyAttempt, parseRetryAfter, truncateText } from '../../../src/openpanel/response.js';

const now = Date.UTC(2025, 0, 1, 12, 0, 0);

describe('classifyAttempt', () => {
  it.each([
    ['200 with OpenPanel JSON', { status: 200, body: '{"deviceId":"d","sessionId":"s"}' }],
    ['200 "Duplicate event"', { status: 200, body: 'Duplicate event' }],
    ['202 for a bot', { status: 202, body: '{"bot":{"name":"Googlebot"}}' }],
    ['202 with a text body', { status: 202, body: 'ok' }],
  ])('%s: delivered', (_label, attempt) => {
    expect(classifyAttempt(attempt, now)).toEqual({ kind: 'delivered' });
  });

  it.each([
    ['text', 'Ingestion: Invalid cors or secret'],
    ['a JSON array', '[]'],
    ['empty', ''],
  ])('200 with %s body: fatal, nothing was stored', (_label, body) => {
    const verdict = classifyAttempt({ status: 200, body }, now);
    expect(verdict).toMatchObject({ kind: 'fatal', reason: expect.stringMatching(/^HTTP 200.*not OpenPanel's answer/) });
  });

  it.each([400, 403, 404, 413, 422, 301])('%i: fatal with status and body', (status) => {
    expect(classifyAttempt({ status, body: '{"message":"nope"}' }, now)).toEqual({ kind: 'fatal', reason: `HTTP ${status}: {"message":"nope"}` });
  });

  it('401: fatal and unhealthy, saying what to check', () => {
    expect(classifyAttempt({ status: 401, body: 'Unauthorized' }, now)).toEqual({
      kind: 'fatal',
      reason: 'HTTP 401: Unauthorized',
      unhealthy: 'OpenPanel refused the credentials (HTTP 401: Unauthorized): check clientId and clientSecret',
    });
  });

  it.each([408, 429, 500, 502, 503, 504])('%i: retry', (status) => {
    expect(classifyAttempt({ status, body: 'try later' }, now)).toEqual({ kind: 'retry', reason: `HTTP ${status}: try later`, retryAfterMs: undefined });
  });

  it('429 carries Retry-After', () => {
    expect(classifyAttempt({ status: 429, retryAfter: '12' }, now)).toEqual({ kind: 'retry', reason: 'HTTP 429', retryAfterMs: 12_000 });
  });

  it.each(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'ENOTFOUND'])('network error %s: retry', (code) => {
    expect(classifyAttempt({ code, message: 'socket hang up' }, now)).toEqual({ kind: 'retry', reason: `network error ${code}: socket hang up` });
  });

  it('keeps reasons to one short line', () => {
    const verdict = classifyAttempt({ status: 400, body: `line one\n${'x'.repeat(5_000)}` }, now);
    expect(verdict.kind === 'fatal' && verdict.reason.length).toBeLessThanOrEqual(220);
    expect(verdict).toMatchObject({ reason: expect.stringMatching(/^HTTP 400: line one x+…$/) });
  });
});

describe('parseRetryAfter', () => {
  it.each<[string | undefined, number | undefined]>([
    ['120', 120_000],
    [' 1.5 ', 1_500],
    ['0', 0],
    [new Date(now + 90_000).toUTCString(), 90_000],
    [new Date(now - 90_000).toUTCString(), 0],
    ['soon', undefined],
    [undefined, undefined],
  ])('%j -> %j ms', (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });
});

describe('truncateText', () => {
  it('collapses whitespace and marks the cut', () => {
    expect(truncateText('a  b\n\tc', 10)).toBe('a b c');
    expect(truncateText('abcdefghij', 5)).toBe('abcd…');
  });
});
