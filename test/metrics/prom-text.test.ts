import { describe, expect, it } from 'vitest';
import { parsePrometheusText, sampleValue } from './prom-text.js';

/** The reader the metrics tests rely on refuses what Prometheus would refuse. */
const GOOD = `# HELP a_total Things.
# TYPE a_total counter
a_total{k="v \\"q\\" \\\\ \\n"} 3
# HELP h Sizes.
# TYPE h histogram
h_bucket{le="1"} 1
h_bucket{le="+Inf"} 2
h_sum 5
h_count 2
# HELP g Level.
# TYPE g gauge
g Nan
`;

describe('the strict Prometheus text reader', () => {
  it('reads well-formed text: escapes in label values, histograms, NaN', () => {
    const f = parsePrometheusText(GOOD);
    expect(f.get('a_total')?.samples[0]?.labels).toEqual({ k: 'v "q" \\ \n' });
    expect(sampleValue(f, 'h_count')).toBe(2);
    expect(Number.isNaN(sampleValue(f, 'g'))).toBe(true);
  });

  it.each([
    ['a sample with no TYPE', 'x 1\n'],
    ['no HELP', '# TYPE x counter\nx 1\n'],
    ['a second TYPE', '# HELP x X.\n# TYPE x counter\n# TYPE x counter\nx 1\n'],
    ['a bad value', '# HELP x X.\n# TYPE x gauge\nx one\n'],
    ['an unquoted label', '# HELP x X.\n# TYPE x gauge\nx{a=b} 1\n'],
    ['a raw quote in a label value', '# HELP x X.\n# TYPE x gauge\nx{a="b"c"} 1\n'],
    ['a bad metric name', '# HELP x X.\n# TYPE x gauge\n1x 1\n'],
    ['a negative counter', '# HELP x X.\n# TYPE x counter\nx -1\n'],
    ['no final line feed', '# HELP x X.\n# TYPE x gauge\nx 1'],
    ['an unknown type', '# HELP x X.\n# TYPE x meter\nx 1\n'],
    ['+Inf not equal to _count', GOOD.replace('h_count 2', 'h_count 3')],
    [
      'buckets falling',
      GOOD.replace('h_bucket{le="+Inf"} 2', 'h_bucket{le="+Inf"} 0').replace('h_count 2', 'h_count 0'),
    ],
    ['no +Inf bucket', GOOD.replace('h_bucket{le="+Inf"} 2\n', '')],
  ])('refuses %s', (_what, text) => {
    expect(() => parsePrometheusText(text)).toThrow();
  });
});
