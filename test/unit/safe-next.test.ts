// Where the sign-in page sends a person after signing in: the `next` parameter only if it is a clean
// path in this app, else the role's home. A tab or newline in it once passed the check, and URL
// parsing (dropping them) made `/<tab>/evil.test/a` the other origin `//evil.test/a`: React Router
// threw and the person was stuck on /signin.
import { describe, expect, it } from 'vitest';
import { HOME, safeNext } from '../../web/src/app/home.ts';

describe('safeNext', () => {
  it('keeps a path in the app, with its query and hash', () => {
    for (const next of ['/campaigns', '/campaigns/12/edit', '/campaigns?status=completed&type=campaign', '/campaigns?q=spring+sale&page=2', '/audit#entry-4', '/campaigns/12?tab=text#preview', '/', '/campaigns/12/']) {
      expect(safeNext(next, 'manager'), next).toBe(next);
    }
  });

  it('gives the role’s home without a next', () => {
    expect(safeNext(null, 'admin')).toBe(HOME.admin);
    expect(safeNext('', 'customer')).toBe(HOME.customer);
  });

  it('refuses the reported inputs: a tab, newline or CR, raw (as the query parameter decodes to) or percent-encoded', () => {
    const refused = [
      '/\t/evil.test/a',
      '/\n/evil.test/a',
      '/\r\n/evil.test/a',
      '/\r/evil.test/a',
      '/%09/evil.test/a',
      '/%0A/evil.test/a',
      '/%0D%0A/evil.test/a',
      '/campaigns\t',
      '/campaigns%0A',
      '/campaigns?q=a%0Db',
      '/campaigns#x\n',
    ];
    for (const next of refused) expect(safeNext(next, 'admin'), JSON.stringify(next)).toBe(HOME.admin);
    // The parameter as it was reported (?next=%2F%09%2Fevil.test%2Fa), read as the page reads it.
    expect(safeNext(new URLSearchParams('next=%2F%09%2Fevil.test%2Fa').get('next'), 'manager')).toBe(HOME.manager);
    expect(safeNext(new URLSearchParams('next=%2F%250A%2Fevil.test%2Fa').get('next'), 'manager')).toBe(HOME.manager);
  });

  it('refuses another origin, another scheme, backslashes and whitespace', () => {
    const refused = [
      '//evil.test',
      '//evil.test/x',
      '/\\evil.test',
      '/\\/evil.test',
      '\\\\evil.test',
      '/%5Cevil.test',
      '/%2F/evil.test',
      '/%2Fevil.test',
      'https://evil.test/x',
      'javascript:alert(1)',
      'JavaScript:alert(1)',
      'evil.test',
      'campaigns',
      ' /campaigns',
      '/campaigns /x',
      '/campaigns%20x',
      '/\u00a0/evil.test',
      '/\u2028/evil.test',
      '/\u202e/evil.test',
      '/\u0000',
      '/\u007f',
      '/%',
      '/%E0%A4%A',
      // Not itself once resolved: dot segments, characters URL parsing encodes.
      '/campaigns/../users',
      '/./users',
      '/café',
    ];
    for (const next of refused) expect(safeNext(next, 'customer'), JSON.stringify(next)).toBe(HOME.customer);
  });
});
