import { describe, expect, it } from '@jest/globals';
import { eventNameProblem } from '../../src/openpanel/event-name.js';

describe("OpenPanel's track name rules", () => {
  it.each(['Order Completed', 'screen_view', 'a'.repeat(80)])('accepts %s', (name) => {
    expect(eventNameProblem(name)).toBeUndefined();
  });
  it.each([
    ['session_start', /reserved/],
    ['session_end', /reserved/],
    ['a'.repeat(81), /at most 80/],
    ['two\nlines', /line break/],
    ['x ../etc', /blocklist/],
    ['Hello ${name}', /blocklist/],
    ['<!DOCTYPE html>', /blocklist/],
    ['1 UNION SELECT *', /blocklist/],
    ['/admin.php', /path/],
    ['   ', /empty/],
  ])('rejects %j', (name, why) => {
    expect(eventNameProblem(name)).toMatch(why);
  });
});
