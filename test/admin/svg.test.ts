import { describe, expect, it } from 'vitest';
import { durations } from '../../src/analytics/figures.js';
import {
  barChart,
  boxPlot,
  escapeXml,
  horizontalBars,
  niceMax,
  stackedColumns,
} from '../../src/analytics/svg.js';

const HOSTILE = `</text><script>alert("x")</script><a href='javascript:1'>&`;

/** The text nodes of an SVG string, markup removed and entities read back. */
const texts = (svg: string) =>
  [...svg.matchAll(/<text[^>]*>(?:<title>[^<]*<\/title>)?([^<]*)<\/text>/g)].map((m) =>
    (m[1] ?? '')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&amp;/g, '&'),
  );

/** Every chart must be an accessible image with no script, no style attribute and nothing fetched. */
function expectSafeImage(svg: string, id: string, title: string) {
  expect(svg.startsWith('<svg ')).toBe(true);
  expect(svg).toContain(`role="img"`);
  expect(svg).toMatch(new RegExp(`aria-labelledby="${id}-title`));
  expect(svg).toContain(`<title id="${id}-title">${escapeXml(title)}</title>`);
  // Only drawing elements and presentation attributes: no script, link, image, style or handler.
  const tags = new Set([...svg.matchAll(/<\/?([A-Za-z]+)/g)].map((m) => m[1]));
  expect([...tags].filter((x) => !ELEMENTS.has(x as string))).toEqual([]);
  const attrs = new Set([...svg.matchAll(/\s([A-Za-z:-]+)="/g)].map((m) => m[1]));
  expect([...attrs].filter((x) => !ATTRIBUTES.has(x as string))).toEqual([]);
}
const ELEMENTS = new Set(['svg', 'title', 'desc', 'g', 'rect', 'line', 'text']);
const ATTRIBUTES = new Set(
  'xmlns class id role aria-labelledby viewBox width height font-family font-size font-weight fill x y x1 y1 x2 y2 stroke stroke-width stroke-dasharray text-anchor data-label data-value data-median data-p90'.split(
    ' ',
  ),
);

describe('SVG charts', () => {
  it('escapes text for XML and HTML', () => {
    expect(escapeXml(`<a b="c" d='e'>&`)).toBe('&lt;a b=&quot;c&quot; d=&#39;e&#39;&gt;&amp;');
  });

  it('rounds axes up to 1, 2 or 5 times a power of ten', () => {
    expect([0, 1, 3, 7, 12, 180, 950].map(niceMax)).toEqual([1, 1, 5, 10, 20, 200, 1000]);
  });

  it('draws a bar chart with each value written above its bar', () => {
    const svg = barChart({
      id: 'c1',
      title: 'What the desk did',
      desc: 'answers and fallbacks',
      bars: [
        { label: 'Answered', value: 1234 },
        { label: 'Fell back', value: 7 },
        { label: HOSTILE, value: 0 },
      ],
    });
    expectSafeImage(svg, 'c1', 'What the desk did');
    expect(svg).toContain('<desc id="c1-desc">answers and fallbacks</desc>');
    const t = texts(svg);
    expect(t).toEqual(expect.arrayContaining(['1,234', '7', 'Answered', 'Fell back']));
    // The hostile label is there, as text, never as markup.
    expect(svg).toContain('&lt;/text&gt;&lt;script&gt;');
    expect([...svg.matchAll(/data-value="(\d+)"/g)].map((m) => Number(m[1]))).toEqual([1234, 7, 0]);
  });

  it('stacks columns per day with each day’s total and each series’ total in the legend', () => {
    const svg = stackedColumns({
      id: 'days',
      title: 'Per day',
      series: [
        { label: 'Answered', color: '#1a7f37' },
        { label: 'Fell back', color: '#cf222e' },
      ],
      columns: [
        { label: '03-01', values: [3, 1] },
        { label: '03-02', values: [0, 0] },
        { label: '03-03', values: [5, 2] },
      ],
    });
    expectSafeImage(svg, 'days', 'Per day');
    const t = texts(svg);
    expect(t).toEqual(expect.arrayContaining(['Answered 8', 'Fell back 3', '4', '0', '7', '03-01', '03-03']));
    // Each non-empty segment has its value in its tooltip; the empty day draws no segment.
    expect(svg).toContain('<title>03-01 · Fell back: 1</title>');
    expect(svg).not.toContain('03-02 · Answered');
    expect((svg.match(/<rect class|<rect x/g) ?? []).length).toBe(4 + 2);
  });

  it('leaves out day labels that would overlap, never the totals', () => {
    const columns = Array.from({ length: 90 }, (_, i) => ({
      label: `d${String(i).padStart(2, '0')}-xx`,
      values: [i],
    }));
    const svg = stackedColumns({
      id: 'q',
      title: 'Quarter',
      series: [{ label: 'All', color: '#000' }],
      columns,
    });
    const labels = texts(svg).filter((x) => x.startsWith('d'));
    expect(labels.length).toBeLessThan(90);
    expect(labels[0]).toBe('d00-xx');
    expect((svg.match(/class="column"/g) ?? []).length).toBe(90);
  });

  it('draws horizontal bars with values and notes, clipping long labels but keeping them whole in a tooltip', () => {
    const long = 'jbic-aguascalientes/a-very-long-entry-identifier-that-will-not-fit';
    const svg = horizontalBars({
      id: 'entries',
      title: 'Top entries',
      series: [{ label: 'Answers', color: '#1a7f37' }],
      rows: [
        { label: long, values: [40], note: 'Helpful 3 · Not helpful 1' },
        { label: '重慶市との覚書の署名者は誰ですか？それと日付も教えてください', values: [2] },
      ],
    });
    expectSafeImage(svg, 'entries', 'Top entries');
    const t = texts(svg);
    expect(t).toContain('40 · Helpful 3 · Not helpful 1');
    expect(t).toContain('2');
    expect(svg).toContain(`<title>${long}</title>`);
    expect(t.some((x) => x.endsWith('…'))).toBe(true);
    // The value after the longest bar fits in the drawing.
    const width = Number(/viewBox="0 0 (\d+)/.exec(svg)?.[1]);
    expect(width).toBeGreaterThan(220 + 340 + 'Helpful 3 · Not helpful 1'.length * 7);
  });

  it('draws a box plot per row with median and p90 written, and says so when a row has none', () => {
    const svg = boxPlot({
      id: 'claim',
      title: 'Time to first claim',
      rows: [
        { label: 'JBIC', stats: durations([2, 4, 12]) },
        { label: 'Triage', stats: durations([]) },
      ],
      describe: (d) => `median ${d.median} h · p90 ${d.p90} h (n = ${d.count})`,
      empty: 'none yet',
      target: { value: 8, label: 'target 8 h' },
    });
    expectSafeImage(svg, 'claim', 'Time to first claim');
    const t = texts(svg);
    expect(t).toContain('median 4 h · p90 12 h (n = 3)');
    expect(t).toContain('none yet');
    expect(svg).toContain('data-median="4" data-p90="12"');
    expect(svg).toContain('<title>target 8 h</title>');
  });

  it('gives each chart on a page its own ids, whatever the id it was given', () => {
    const svg = barChart({ id: 'a b"<', title: 't', bars: [] });
    expect(svg).toContain('id="a-b--"');
    expect(svg).toContain('aria-labelledby="a-b---title"');
  });
});
