import { describe, expect, it } from '@jest/globals';
import { withCampaign } from '../../../src/transform/campaign.js';

describe('withCampaign', () => {
  const campaign = { source: 'news letter', medium: 'email', name: 'q1&q2', term: 'shoes', content: 'hero' };

  it('adds every campaign key as its utm_* parameter, encoded', () => {
    expect(withCampaign('https://acme.com/', campaign)).toBe(
      'https://acme.com/?utm_source=news%20letter&utm_medium=email&utm_campaign=q1%26q2&utm_term=shoes&utm_content=hero',
    );
  });

  it.each([
    ['https://acme.com/a?x=1', { source: 's' }, 'https://acme.com/a?x=1&utm_source=s'],
    ['https://acme.com/a?', { source: 's' }, 'https://acme.com/a?utm_source=s'],
    ['https://acme.com/a#top', { medium: 'm' }, 'https://acme.com/a?utm_medium=m#top'],
    ['https://acme.com/a?utm_source=ads#top', { source: 's', medium: 'm' }, 'https://acme.com/a?utm_source=ads&utm_medium=m#top'],
    ['/pricing', { name: 7 }, '/pricing?utm_campaign=7'],
  ])('%s + %j -> %s', (path, given, expected) => {
    expect(withCampaign(path, given)).toBe(expected);
  });

  it.each([
    ['a named route, which OpenPanel reads no query from', 'Home', campaign],
    ['nothing usable in the campaign', 'https://acme.com/', { source: '', medium: null, name: { a: 1 } }],
    ['a campaign that is not an object', 'https://acme.com/', 'newsletter'],
    ['every parameter already in the URL', 'https://acme.com/?utm_source=a', { source: 'b' }],
  ])('leaves the path as it is for %s', (_, path, given) => {
    expect(withCampaign(path, given)).toBe(path);
  });
});
