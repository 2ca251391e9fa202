import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadContent } from '../../src/content/load.js';
import { createEngine } from '../../src/core/engine.js';
import { contentProblems, copyContent } from '../helpers.js';

/**
 * Adding a programme is a content change only: a folder under knowledge/ with a programme.yml, the
 * announcement and entries (one of them the overview), plus its desk in knowledge/desks.yml.
 */

const PROGRAMME_YML = `id: test-programme
name:
  en: "Veltora Kelp Export Partnership"
  ja: "ヴェルトラ昆布輸出パートナーシップ"
aliases:
  en: ["Veltora kelp partnership", "Veltora partnership", "kelp export partnership"]
  ja: ["ヴェルトラ昆布", "昆布輸出パートナーシップ"]
source:
  publisher: "Veltora Kelp Council"
  title: "Veltora Kelp Council launches kelp export partnership"
  date: 2020-04-01
  file: source.txt
desks: [test-desk]
review_days: 365
`;

const SOURCE_TXT = `Veltora Kelp Council launches kelp export partnership
April 1, 2020
The Veltora Kelp Council launched a partnership to help kelp farmers export dried kelp. The partnership offers a kelp export fund for drying equipment.
`;

const OVERVIEW_MD = `---
id: test-programme/overview
scheme: test-programme
topic: overview
desk: test-desk
answers: [what]
title:
  en: "The Veltora Kelp Export Partnership"
  ja: "ヴェルトラ昆布輸出パートナーシップの概要"
questions:
  en:
    - "What is the Veltora kelp export partnership?"
    - "Tell me about the Veltora Kelp Council partnership"
  ja:
    - "ヴェルトラ昆布輸出パートナーシップとは？"
    - "ヴェルトラ昆布協議会のパートナーシップについて教えてください"
tags:
  en: ["Veltora", "kelp", "export", "partnership", "overview"]
  ja: ["ヴェルトラ", "昆布", "輸出", "概要"]
source:
  publisher: "Veltora Kelp Council"
  title: "Veltora Kelp Council launches kelp export partnership"
  date: 2020-04-01
as_of: 2020-04-01
related: [test-programme/fund]
---
## en
On April 1, 2020, the Veltora Kelp Council launched a partnership to help kelp farmers export dried kelp.

## ja
2020年4月1日、ヴェルトラ昆布協議会は、昆布生産者による乾燥昆布の輸出を支援するパートナーシップを開始しました。
`;

const FUND_MD = `---
id: test-programme/fund
scheme: test-programme
topic: fund
desk: test-desk
answers: [what, how]
title:
  en: "The Veltora kelp export fund"
  ja: "ヴェルトラ昆布輸出基金"
questions:
  en:
    - "What does the Veltora kelp export fund pay for?"
    - "Is there a fund for kelp drying equipment?"
  ja:
    - "ヴェルトラ昆布輸出基金は何に使えますか？"
    - "昆布の乾燥設備の基金はありますか？"
tags:
  en: ["fund", "kelp", "drying equipment", "Veltora"]
  ja: ["基金", "昆布", "乾燥設備"]
source:
  publisher: "Veltora Kelp Council"
  title: "Veltora Kelp Council launches kelp export partnership"
  date: 2020-04-01
as_of: 2020-04-01
related: []
---
## en
The partnership offers a kelp export fund for drying equipment.

## ja
このパートナーシップは、乾燥設備のための昆布輸出基金を提供しています。
`;

const DESK_YML = `  - id: test-desk
    name: { en: "Veltora Kelp Council desk", ja: "ヴェルトラ昆布協議会窓口" }
    takes:
      en: "Requests to the Veltora Kelp Council about the kelp export partnership."
      ja: "昆布輸出パートナーシップについてのヴェルトラ昆布協議会へのご相談。"
    aliases:
      en: ["Veltora Kelp Council", "Kelp Council"]
      ja: ["ヴェルトラ昆布協議会", "昆布協議会"]
    examples:
      en:
        - "Could the Veltora Kelp Council contact us about exporting our dried kelp?"
        - "We would like someone from the Kelp Council to visit our kelp farm."
        - "Please put us in touch with the Veltora Kelp Council about the export fund."
      ja:
        - "ヴェルトラ昆布協議会の方に乾燥昆布の輸出について相談したいです。"
        - "昆布協議会の担当者につないでください。"
        - "輸出基金についてヴェルトラ昆布協議会と話したいです。"
    schemes: [test-programme]
    response_target_hours: 24
    staff: [web:test-staff]
`;

/** A copy of the real content tree with the fixture programme and its desk added; `change` edits it further. */
async function withFixture(change?: (dir: string) => Promise<void>): Promise<string> {
  const dir = await copyContent('madoguchi-programme-');
  dirsMade.push(dir);
  const folder = join(dir, 'knowledge', 'test-programme');
  await mkdir(folder, { recursive: true });
  await writeFile(join(folder, 'programme.yml'), PROGRAMME_YML);
  await writeFile(join(folder, 'source.txt'), SOURCE_TXT);
  await writeFile(join(folder, 'overview.md'), OVERVIEW_MD);
  await writeFile(join(folder, 'fund.md'), FUND_MD);
  const desks = join(dir, 'knowledge', 'desks.yml');
  const text = await readFile(desks, 'utf8');
  const at = text.indexOf('\n  - id: general\n');
  expect(at, 'knowledge/desks.yml has the triage desk "general"').toBeGreaterThan(0);
  await writeFile(desks, `${text.slice(0, at + 1)}${DESK_YML}${text.slice(at + 1)}`);
  await change?.(dir);
  return dir;
}

const dirsMade: string[] = [];
afterAll(async () => {
  await Promise.all(dirsMade.map((d) => rm(d, { recursive: true, force: true })));
});

/** 1-based line of the first line of `text` starting with `prefix`. */
const lineOf = (text: string, prefix: string) => text.split('\n').findIndex((l) => l.startsWith(prefix)) + 1;

describe('Adding a programme', () => {
  it('loads the new programme, answers from its entries and hands off to its desk', async () => {
    const content = await loadContent(await withFixture());
    const programme = content.programmes.find((p) => p.id === 'test-programme');
    expect(programme).toMatchObject({ desks: ['test-desk'], reviewDays: 365, sourceText: SOURCE_TXT });
    expect(content.knowledge.filter((e) => e.scheme === 'test-programme').map((e) => e.id)).toEqual([
      'test-programme/fund',
      'test-programme/overview',
    ]);
    expect(content.desks.desks.find((d) => d.id === 'test-desk')?.staff).toEqual(['web:test-staff']);

    const engine = createEngine({ content });
    const ask = (text: string, conversation: string) =>
      engine.respond({ text, platform: 'cli', user: { id: 'cli:t' }, conversation });
    const answer = ask('What does the Veltora kelp export fund pay for?', 'fixture-answer');
    expect(answer).toMatchObject({ action: 'answer', scheme: 'test-programme' });
    const entry = content.knowledge.find((e) => e.id === answer.entries[0]);
    expect(entry?.scheme).toBe('test-programme');
    expect(answer.text).toBe(entry?.body.en);

    const handoff = ask(
      'Please put me in touch with the Veltora Kelp Council about exporting kelp.',
      'fixture-desk',
    );
    expect(handoff).toMatchObject({ action: 'handoff', desk: 'test-desk' });
  });

  it('names the file and line of an entry whose desk is unknown', async () => {
    const broken = FUND_MD.replace('desk: test-desk', 'desk: test-dsk');
    const dir = await withFixture((d) => writeFile(join(d, 'knowledge/test-programme/fund.md'), broken));
    expect(await contentProblems(dir)).toEqual([
      `knowledge/test-programme/fund.md:${lineOf(broken, 'desk:')}: desk: no desk "test-dsk" (did you mean "test-desk"?)`,
    ]);
  });

  it('refuses a programme without an overview entry', async () => {
    const dir = await withFixture((d) => rm(join(d, 'knowledge/test-programme/overview.md')));
    expect(await contentProblems(dir)).toEqual([
      'knowledge/test-programme/programme.yml:1: programme "test-programme" has no overview entry (knowledge/test-programme/overview.md)',
    ]);
  });
});
