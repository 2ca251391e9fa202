import { describe, expect, it } from 'vitest';
import { MAX_PROCESSED_CHARS, normalise } from '../../src/core/normalize.js';

describe('normalise', () => {
  it('folds full-width forms and case (NFKC)', () => {
    expect(normalise('ＪＢＩＣ　ＭＯＵ')).toBe('jbic mou');
  });
  it('removes Slack mass mentions, user mentions and links, keeping a link label that is not a URL', () => {
    expect(
      normalise('<!channel> hi <@U0123ABC> see <http://evil.example|here> and <https://x.example>'),
    ).toBe('hi see here and');
  });
  it('removes Teams <at> mentions, HTML tags and bare URLs', () => {
    expect(normalise('<at>Madoguchi</at> <b>what</b> is https://evil.example/x SBIC')).toBe('what is sbic');
  });
  it('removes control and zero-width characters', () => {
    expect(normalise('JB\u200bIC\u0000 MO\u200dU\u0007')).toBe('jbic mou');
  });
  it('caps very long text', () => {
    expect(normalise('a '.repeat(100_000)).length).toBeLessThanOrEqual(MAX_PROCESSED_CHARS);
  });
  it('returns an empty string for whitespace', () => {
    expect(normalise(' \n\t ')).toBe('');
  });
  it('drops script and style elements with their contents, not only their tags', () => {
    expect(normalise('<script>alert(1)</script><b>SBIC</b> とは')).toBe('sbic とは');
    expect(normalise('<style>p{color:red}</style>When?')).toBe('when?');
  });
});
