import { describe, expect, it } from '@jest/globals';
import { formatters } from '../../../src/mapping/formatters.js';

// Each formatter answers undefined for what does not fit, so the engine falls through to the next source.
describe('formatters', () => {
  it.each([
    ['Jane', 'Jane'],
    [' padded ', ' padded '],
    [42, '42'],
    [false, 'false'],
    ['', undefined],
    ['   ', undefined],
    [null, undefined],
    [{ a: 1 }, undefined],
    [['a'], undefined],
  ])('string(%j) = %j', (input, output) => {
    expect(formatters.string(input)).toBe(output);
  });

  it.each([
    ['2025-03-01T09:00:00.000Z', '2025-03-01T09:00:00.000Z'],
    ['2025-03-01T10:00:00+01:00', '2025-03-01T09:00:00.000Z'],
    ['2025-03-01', '2025-03-01T00:00:00.000Z'],
    [1740819600000, '2025-03-01T09:00:00.000Z'],
    ['2025-03-01 09:00:00', '2025-03-01T09:00:00.000Z'],
    ['1740819600', '2025-03-01T09:00:00.000Z'],
    ['yesterday', undefined],
    [true, undefined],
    [null, undefined],
  ])('isoTime(%j) = %j', (input, output) => {
    expect(formatters.isoTime(input)).toBe(output);
  });

  it.each([
    ['jane@acme.com', 'jane@acme.com'],
    ['jane.doe+crm@mail.acme.co.uk', 'jane.doe+crm@mail.acme.co.uk'],
    ['jane(at)acme', undefined],
    ['jane@', undefined],
    [' jane@acme.com ', 'jane@acme.com'],
    ['', undefined],
    [12, undefined],
  ])('email(%j) = %j', (input, output) => {
    expect(formatters.email(input)).toBe(output);
  });

  it.each([
    ['https://cdn.acme.com/jane.png', 'https://cdn.acme.com/jane.png'],
    ['http://acme.com/a?b=c', 'http://acme.com/a?b=c'],
    ['ftp://files.acme.com/jane.png', undefined],
    ['gravatar:12ab', undefined],
    ['/relative/path.png', undefined],
    [null, undefined],
  ])('url(%j) = %j', (input, output) => {
    expect(formatters.url(input)).toBe(output);
  });

  it.each([
    ['Jane', 'Jane'],
    [' Jane ', 'Jane'],
    [42, undefined],
    [true, undefined],
    ['  ', undefined],
  ])('text(%j) = %j', (input, output) => {
    expect(formatters.text(input)).toBe(output);
  });

  it.each([
    [' Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) ', 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X)'],
    ['okhttp/4.12.0', undefined],
    ['unknown', undefined],
    ['Mozilla/5.0 (X11)\r\nX-Evil: 1', undefined],
  ])('deviceUserAgent(%j) = %j', (input, output) => {
    expect(formatters.deviceUserAgent(input)).toBe(output);
  });

  it.each([
    ['Jane Q. Doe', 'Jane', 'Q. Doe'],
    ['  Jane   Doe  ', 'Jane', 'Doe'],
    ['Cher', 'Cher', undefined],
    ['', undefined, undefined],
    [7, undefined, undefined],
  ])('firstName/lastName(%j) = %j / %j', (input, first, last) => {
    expect(formatters.firstName(input)).toBe(first);
    expect(formatters.lastName(input)).toBe(last);
  });

  it.each([
    ['0f8c5e2a-93d1-4b7e-a6c4-2d1e0b9f8a7c', '0f8c5e2a-93d1-4b7e-a6c4-2d1e0b9f8a7c'],
    [' anon-1 ', 'anon-1'],
    ['a'.repeat(64), 'a'.repeat(64)],
    ['a'.repeat(65), undefined],
    [12345, '12345'],
    ['', undefined],
  ])('deviceId(%j) = %j', (input, output) => {
    expect(formatters.deviceId(input)).toBe(output);
  });

  it.each([
    [0, 0],
    [false, false],
    ['', ''],
    [{ a: [1] }, { a: [1] }],
    [null, undefined],
    [undefined, undefined],
  ])('value(%j) = %j', (input, output) => {
    expect(formatters.value(input)).toEqual(output);
  });
});
