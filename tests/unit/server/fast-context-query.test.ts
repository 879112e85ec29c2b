import { describe, expect, it } from 'vitest';
import { getQueryParam } from 'hono/utils/url';
import { queryOf } from '../../../src/server/fast-context';

const NAMES = ['email', 'phone', 'lang', 'author', 'a', 'b', '', '__proto__', 'constructor', 'toString', 'x y', 'é'];
const URLS = [
  '/v1/context',
  '/v1/context?',
  '/v1/context?email=a@b.example',
  '/v1/context?email=a%40b.example&lang=de',
  '/v1/context?email=a+b@c&author=x',
  '/v1/context?email=a@b&email=c@d',
  '/v1/context?a&b=&=c&&email==x=y',
  '/v1/context?__proto__=1&constructor=2&toString=3',
  '/v1/context?email=a@b#frag&lang=fr',
  '/v1/context?e%6Dail=a@b&email=z',
  '/v1/context?email=%E0%A4%A&lang=%C3%A9',
  '/v1/context?phone=%2B4930&email',
  '/v1/context?lang=de&lang=fr&author=&phone=1',
];

describe('queryOf', () => {
  it('reads every name as Hono getQueryParam does', () => {
    for (const url of URLS) {
      const hono = getQueryParam(url) as Record<string, string | undefined>;
      const ours = queryOf(url);
      for (const name of [...NAMES, ...Object.keys(hono)]) expect([url, name, ours(name)]).toEqual([url, name, hono[name]]);
    }
  });
});
