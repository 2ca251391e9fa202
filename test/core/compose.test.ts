import { describe, expect, it } from 'vitest';
import { formatDate } from '../../src/core/compose.js';

describe('formatDate', () => {
  it('writes a source date as a reader of each language expects', () => {
    expect(formatDate('2015-10-26', 'en')).toBe('October 26, 2015');
    expect(formatDate('2015-10-26', 'ja')).toBe('2015年10月26日');
    expect(formatDate('2024-01-05', 'en')).toBe('January 5, 2024');
    expect(formatDate('2024-12-31', 'en')).toBe('December 31, 2024');
  });

  it('leaves anything that is not a calendar date as it is', () => {
    expect(formatDate('2024-13-01', 'en')).toBe('2024-13-01');
    expect(formatDate('soon', 'ja')).toBe('soon');
  });
});
