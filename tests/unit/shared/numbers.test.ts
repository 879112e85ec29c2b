import { describe, expect, it } from 'vitest';
import { thousands } from '../../../src/shared/numbers';

describe('thousands', () => {
  it("writes whole numbers as toLocaleString('en') does", () => {
    const ns = [0, 1, 9, 10, 99, 100, 999, 1000, 1200, 9999, 10000, 65536, 100000, 999999, 1000000, 1234567, 12345678, 2 ** 31, Number.MAX_SAFE_INTEGER, -1, -999, -1000, -1234567];
    for (const n of ns) expect(thousands(n), String(n)).toBe(n.toLocaleString('en'));
  });
});
