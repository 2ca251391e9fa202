import { describe, expect, it } from 'vitest';
import { foldTraditional } from '../../src/core/han-variants.js';

describe('foldTraditional', () => {
  it('reads traditional characters in their simplified forms and leaves the rest as written', () => {
    expect(foldTraditional('重慶市政府與日本貿易振興機構簽署備忘錄')).toBe(
      '重庆市政府与日本贸易振兴机构签署备忘录',
    );
    expect(foldTraditional('JETRO 2013')).toBe('JETRO 2013');
    expect(foldTraditional('签署')).toBe('签署');
  });
});
