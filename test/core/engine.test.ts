import { beforeAll, describe, expect, it } from 'vitest';
import { mapped } from '../../src/core/confidence.js';
import { createEngine } from '../../src/core/engine.js';
import type { Engine } from '../../src/core/engine-types.js';
import type { Inquiry } from '../../src/core/types.js';
import { realContent } from '../helpers.js';

let engine: Engine;
beforeAll(async () => {
  engine = createEngine({ content: await realContent() });
});
const ask = (text: string, conversation = `c-${Math.random()}`) => {
  const inquiry: Inquiry = { text, platform: 'cli', user: { id: 'cli:t' }, conversation };
  return engine.respond(inquiry);
};

describe('engine: answers', () => {
  it('answers from the knowledge entry, with its source, date and follow-ups', async () => {
    const content = await realContent();
    const r = ask('When did JBIC sign the MOU with Aguascalientes?');
    const entry = content.knowledge.find((e) => e.id === r.entries[0]);
    expect(r.action).toBe('answer');
    expect(entry?.scheme).toBe('jbic-aguascalientes');
    expect(r.text).toBe(entry?.body.en);
    expect(r.sources).toEqual([entry?.source]);
    expect(r.asOf).toBe(entry?.asOf);
    expect(r.suggestions.length).toBeGreaterThanOrEqual(2);
    expect(r.offerDesk).toBe(entry?.desk);
  });
  it('answers a Japanese question in Japanese', () => {
    const r = ask('日中温泉シンポジウムはいつ開催されましたか？');
    expect(r).toMatchObject({ action: 'answer', lang: 'ja', replyLang: 'ja', scheme: 'jetro-chongqing' });
    expect(r.text).toContain('10月31日');
  });
  it('answers Spanish and Chinese questions in their language', async () => {
    const content = await realContent();
    const es = ask('¿Cuándo firmó JBIC el memorando con Aguascalientes?');
    expect(es).toMatchObject({
      action: 'answer',
      lang: 'es',
      replyLang: 'es',
      scheme: 'jbic-aguascalientes',
    });
    expect(es.text).toBe(content.knowledge.find((e) => e.id === es.entries[0])?.body.es);
    expect(es.text).toContain('26 de octubre de 2015');
    const zh = ask('重庆市政府和JETRO是什么时候签署备忘录的？');
    expect(zh).toMatchObject({ action: 'answer', lang: 'zh', replyLang: 'zh', scheme: 'jetro-chongqing' });
    expect(zh.text).toContain('2013年10月31日');
    const traditional = ask('重慶市政府與JETRO是什麼時候簽署備忘錄的？');
    expect(traditional).toMatchObject({ action: 'answer', lang: 'zh', replyLang: 'zh' });
  });
  it('answers in English, with a one-line note, where an entry lacks the language', async () => {
    const content = await realContent();
    const entry = content.knowledge.find((e) => e.id === 'jbic-aguascalientes/signing');
    if (!entry) throw new Error('no signing entry');
    const { es: _dropped, ...body } = entry.body;
    const trimmed = {
      ...content,
      knowledge: content.knowledge.map((e) => (e === entry ? { ...e, body: body as typeof e.body } : e)),
    };
    const r = createEngine({ content: trimmed }).respond({
      text: '¿Cuándo firmó JBIC el memorando con Aguascalientes?',
      platform: 'cli',
      user: { id: 'cli:t' },
      conversation: 'no-es',
    });
    expect(r).toMatchObject({ action: 'answer', lang: 'es', replyLang: 'en' });
    expect(r.text.split('\n')[0]).toBe(content.messages.es?.otherLanguage);
    expect(r.text).toContain(entry.body.en);
  });
  it('answers a "who" question with the entry that says who, and explains why', () => {
    const r = ask('Who signed the memorandum between JETRO and Chongqing?');
    expect(r.entries[0]).toBe('jetro-chongqing/signing');
    expect(r.why?.kind).toBe('who');
    expect(r.why?.act.id).toBe('ask');
    expect(r.why?.programmes[0]?.id).toBe('jetro-chongqing');
  });
  it('asks which programme for a bare "who signed it?", and stays on the programme of the conversation', () => {
    expect(ask('who signed it?').action).toBe('clarify');
    const ja = ask('覚書の署名者は？');
    expect(ja.action).toBe('clarify');
    expect(new Set(ja.entries.map((id) => id.split('/')[1]))).toEqual(new Set(['signing']));
    ask('What is the JBIC MOU with Aguascalientes about?', 'stay');
    const r = ask('who signed it?', 'stay');
    expect(r).toMatchObject({ action: 'answer', scheme: 'jbic-aguascalientes' });
  });
  it('takes a short reply to "which programme?" as the choice it offered', () => {
    expect(ask('who signed it?', 'choice').action).toBe('clarify');
    const r = ask('the Chongqing one', 'choice');
    expect(r).toMatchObject({
      action: 'answer',
      scheme: 'jetro-chongqing',
      entries: ['jetro-chongqing/signing'],
    });
    expect(r.text).toContain('Miyamoto');
  });
  it('asks which programme when one name stands for two and "this" points at one the bot cannot see', () => {
    for (const q of ["What is JETRO's actual role in all this?", '¿Qué papel tiene JETRO en todo esto?']) {
      const r = ask(q);
      expect([q, r.action]).toEqual([q, 'clarify']);
      expect(new Set(r.entries.map((id) => id.split('/')[0]))).toEqual(
        new Set(['meti-global-alliance', 'jetro-chongqing']),
      );
    }
    // Inside a conversation about one programme, "this" is that programme.
    ask('Tell me about the METI global alliance scheme.', 'jetro-this');
    expect(ask("What is JETRO's actual role in all this?", 'jetro-this')).toMatchObject({
      action: 'answer',
      scheme: 'meti-global-alliance',
    });
    // And a message that names the programme too is about that one.
    expect(ask('JETRO跟重庆市政府签的那个备忘录是哪天签的？')).toMatchObject({
      action: 'answer',
      scheme: 'jetro-chongqing',
    });
  });
  it('stays on the programme an unanswered question named', () => {
    expect(ask("What's the weather like in Aguascalientes this week?", 'unanswered').action).toBe('fallback');
    expect(ask('And when was the MOU signed?', 'unanswered')).toMatchObject({
      action: 'answer',
      scheme: 'jbic-aguascalientes',
    });
  });
  it('reads an elliptical follow-up against the last question', () => {
    ask('When was the JETRO Chongqing MOU signed?', 'ellipsis');
    const r = ask('and the Aguascalientes one?', 'ellipsis');
    expect(r).toMatchObject({ action: 'answer', scheme: 'jbic-aguascalientes' });
    expect(r.text).toContain('October 26, 2015');
  });
  it('answers from the programme the question names, not from a better-matching entry of another', () => {
    const r = ask('What is the phone number of the Aguascalientes Japan desk?');
    expect(r.text).not.toContain('3501-1511'); // METI's number, from the METI contact entry
    expect(r.scheme === null || r.scheme === 'jbic-aguascalientes').toBe(true);
  });
  it('hands a request that points back at the conversation ("that fund") to the conversation\'s desk', () => {
    ask('What is the SME Growth Support Fund?', 'back');
    const r = ask(
      'We are an investment company from Germany. Could someone put us in touch with that fund?',
      'back',
    );
    expect(r).toMatchObject({ action: 'handoff', desk: 'sme-support-japan' });
    expect(r.why?.desks[0]?.by).toMatch(/conversation \(referred to\)/);
  });
  it('reads a short question word inside a conversation as a question about its programme', () => {
    ask('Tell me about the JETRO MOU with Chongqing', 'qword');
    const r = ask('when did that happen?', 'qword');
    expect(r).toMatchObject({ action: 'answer', scheme: 'jetro-chongqing' });
  });
  it('says what it is when asked about itself, instead of opening a handoff', () => {
    for (const text of [
      'am I chatting with a human?',
      'あなたはボットですか？',
      '¿eres un bot?',
      '你是机器人吗？',
    ]) {
      const r = ask(text);
      expect(r.action, text).toBe('smalltalk');
      expect(r.desk, text).toBeNull();
    }
  });
  it('reads a follow-up in the context of the conversation', () => {
    ask('Tell me about the JETRO MOU with Chongqing', 'follow');
    const r = ask('who signed it?', 'follow');
    expect(r.scheme).toBe('jetro-chongqing');
    expect(r.text).toContain('Heping Chen');
    expect(engine.transcript('follow').map((t) => t.text)).toEqual([
      'Tell me about the JETRO MOU with Chongqing',
      'who signed it?',
    ]);
  });
  it('reads the sentence that asks on its own when the background around it dilutes the question', () => {
    const alone = ask('ジェトロと重慶市政府の覚書に署名されたのはどなたでしょうか。');
    const withBackground = ask(
      '恐れ入ります。ジェトロと重慶市政府の覚書に署名されたのはどなたでしょうか。取締役会の資料にまとめる必要があり、念のため確認しております。',
    );
    expect(alone.action).toBe('answer');
    expect(withBackground.action).toBe('answer');
    expect(withBackground.entries[0]).toBe(alone.entries[0]);
    expect(withBackground.why?.decidedBy).toBe('ask: best knowledge match');
  });
  it('keeps the question of the conversation through a chain of elliptical follow-ups', () => {
    const c = `chain-${Math.random()}`;
    expect(ask('who signed it?', c).action).toBe('clarify');
    const mexico = ask('the mexico one', c);
    expect(mexico.scheme).toBe('jbic-aguascalientes');
    // Chongqing has no entry on the topic of the Mexico answer: the first question is asked of it.
    const chongqing = ask('same for the chongqing one', c);
    expect(chongqing.action).toBe('answer');
    expect(chongqing.entries[0]).toBe('jetro-chongqing/signing');
  });
  it('asks which programme when a question fits two', () => {
    const r = ask('When was the MOU signed?');
    expect(r.action).toBe('clarify');
    expect(r.suggestions.length).toBeGreaterThanOrEqual(2);
    expect(new Set(r.entries.map((id) => id.split('/')[0])).size).toBeGreaterThanOrEqual(2);
  });
  it('answers each of two questions in one message from its own entry', () => {
    const r = ask('When was the Chongqing memorandum signed? Which fields of cooperation does it list?');
    expect(r.action).toBe('answer');
    expect(r.entries).toEqual(['jetro-chongqing/signing', 'jetro-chongqing/cooperation-fields']);
    expect(r.text).toMatch(/2013/);
    expect(r.text.split('\n\n').length).toBeGreaterThanOrEqual(2);
    // One source listed once, though both entries cite it.
    expect(r.sources).toHaveLength(1);
    // A single question gets its one entry.
    expect(ask('When was the Chongqing memorandum signed?').entries).toEqual(['jetro-chongqing/signing']);
  });
  it('asks which programme when nothing in the question is said by one programme only', () => {
    // Every programme has an announcement: "when was it announced?" is about whichever one is meant.
    for (const q of ['What was the aim of the memorandum?', '备忘录的目的是什么？', '発表日はいつですか？']) {
      const r = ask(q);
      expect([q, r.action]).toEqual([q, 'clarify']);
      expect(new Set(r.entries.map((id) => id.split('/')[0])).size).toBeGreaterThanOrEqual(2);
    }
    // A word that only one programme's entries say is enough to answer.
    expect(ask('What does the Japan desk do?')).toMatchObject({
      action: 'answer',
      scheme: 'jbic-aguascalientes',
    });
  });
  it('answers a question put politely as "I would like to ask about…", instead of opening a handoff', () => {
    const r = ask(
      'いつもお世話になっております。浜松の金属加工会社で海外営業を担当しております。JETROが中国の市政府と結んだ覚書について伺いたいのですが、相手はどちらの市でしたでしょうか。',
    );
    expect(r.action).toBe('answer');
    expect(r.scheme).toBe('jetro-chongqing');
  });
});

describe('engine: handoffs, smalltalk, fallback', () => {
  it('routes a fund investment request to SME Support, JAPAN', () => {
    expect(ask('We would like the SME Growth Support Fund to invest in our company')).toMatchObject({
      action: 'handoff',
      desk: 'sme-support-japan',
    });
  });
  it('routes "connect me with them" to the desk of the last answer', () => {
    ask('What is the Japan desk in Aguascalientes?', 'h');
    expect(ask('connect me with them please', 'h')).toMatchObject({
      action: 'handoff',
      desk: 'aguascalientes-japan-desk',
    });
  });
  it('reads a request written in katakana where hiragana belongs (half-width kana) as a request', () => {
    const r = ask('ｳﾁﾉ会社ﾆ ﾌｧﾝﾄﾞｶﾗ出資ｼﾃﾓﾗｴﾙｶ、中小機構ﾉ担当ﾉ方ﾄ相談ｼﾀｲﾃﾞｽ');
    expect(r).toMatchObject({ action: 'handoff', desk: 'sme-support-japan' });
    // And a question written so is a question of its kind.
    expect(ask('重慶ﾉ覚書ﾊ ｲﾂ締結ｻﾚﾀﾉﾃﾞｽｶ')).toMatchObject({
      action: 'answer',
      entries: ['jetro-chongqing/signing'],
    });
  });
  it('reads "is there anyone who handles…?" as a request for a person, in every language', () => {
    for (const q of [
      'We need help with permits for our plant extension. Is there anyone at the state who handles Japanese companies?',
      '工場の増設で許認可の相談をしたいのですが、州で対応してくれる方はいらっしゃいますか？',
      'Necesitamos ayuda con permisos para ampliar la planta. ¿Hay alguien en el estado que atienda a empresas japonesas?',
      '我们想扩建工厂，有没有人负责对接日本企业的许可手续？',
    ])
      expect([q, ask(q).action]).toEqual([q, 'handoff']);
  });
  it('hands a restaurant business asking about a programme to its desk: only asking where to eat is out of scope', () => {
    expect(
      ask(
        'Representamos a una cadena japonesa de restaurantes y queremos participar en los diálogos con el gobierno de Chongqing.',
      ),
    ).toMatchObject({ action: 'handoff', desk: 'jetro-chongqing' });
  });
  it("takes a desk's description written out in full as its name", () => {
    const r = ask(
      'We are a Malaysian parts maker. Our Japanese partner told us to approach the bank for commercial and industrial co-operatives about a capital alliance. Can someone there get in touch?',
    );
    expect(r).toMatchObject({ action: 'handoff', desk: 'shoko-chukin-bank' });
    expect(r.why?.desks[0]?.by).toMatch(/name "bank for commercial and industrial co-operatives"/);
  });
  it('reads "could you introduce us to…" in Chinese as a request', () => {
    const r = ask('我們是台灣的電子零件公司，希望入股一家日本中小企業。請問能否介紹負責媒合的窗口？');
    expect(r).toMatchObject({ action: 'handoff', desk: 'jetro-global-alliance' });
  });
  it('sends a request for a person with no desk to triage', () => {
    expect(ask('I want to talk to a person')).toMatchObject({ action: 'handoff', desk: 'general' });
  });
  it('lists what it can answer when asked for help', () => {
    const r = ask('help');
    expect(r.action).toBe('smalltalk');
    expect(r.text).toContain('Aguascalientes');
    expect(r.text).toContain('Chongqing');
  });
  it('never answers an out-of-scope question with a programme fact', () => {
    for (const q of [
      "What's the weather in Tokyo?",
      'What is the capital of France?',
      'stock price of Toyota',
      '重慶への直行便はありますか？',
      '¿Hay vuelo directo de Tokio a Aguascalientes?',
      '重慶下週天氣怎麼樣？',
      'Any good place for dinner near the Aguascalientes office?',
      '重庆哪家火锅好吃？',
    ]) {
      const r = ask(q);
      expect(r.action).toBe('fallback');
      expect(r.entries).toEqual([]);
      expect(r.sources).toEqual([]);
      expect(r.offerDesk).toBe('general');
    }
  });
  it('does not answer a short question about a place no entry mentions from the nearest entry', () => {
    const r = ask('Has JETRO signed a memorandum with Sichuan province too?');
    expect(r.action).toBe('fallback');
    expect(r.why?.decidedBy).toMatch(/Sichuan/);
    // A person is offered instead: the desk of the nearest entry.
    expect(r.offerDesk).toBeTruthy();
    // A name the knowledge knows is no stranger.
    expect(ask('Has JETRO signed a memorandum with Chongqing?').action).toBe('answer');
  });
  it('does not answer a question for a detail the best entry does not state, and offers its desk', () => {
    // The entry on the Chongqing symposium dates it; it says nothing about the next one.
    for (const q of [
      'When is the next Japan-China hot spring symposium?',
      '次回の日中温泉シンポジウムはいつですか？',
    ]) {
      const r = ask(q);
      expect([q, r.action]).toEqual([q, 'fallback']);
      expect(r.why?.decidedBy).toMatch(/next-event/);
      expect(r.offerDesk).toBeTruthy();
    }
    // A detail the entry states is answered from it.
    const phone = ask("What is METI's phone number for the global alliance scheme?");
    expect(phone).toMatchObject({ action: 'answer', entries: ['meti-global-alliance/contact'] });
    // What is so today, and counts of companies: the announcements state neither.
    for (const [q, detail] of [
      ['Is the Aguascalientes Japan desk open today, and what are its office hours?', 'current-status'],
      ['重慶の覚書は今でも有効ですか？', 'validity'],
      ['アグアスカリエンテスには日本企業が何社ありますか？', 'company-count'],
    ]) {
      const r = ask(q as string);
      expect([q, r.action, r.why?.decidedBy]).toEqual([
        q,
        'fallback',
        `ask: it asks for ${detail}, which the best entry does not state`,
      ]);
    }
  });
  it('does not answer a sum of money, or a year long after the announcement, from the nearest entry', () => {
    // No announcement states an amount: the fund's entry is not an answer to "how large is it?".
    const fund = ask('中小企業成長支援ファンドの総額と、1社あたりの出資上限額を教えてください。');
    expect([fund.action, fund.why?.decidedBy]).toEqual([
      'fallback',
      'ask: it asks for money-amount, which the best entry does not state',
    ]);
    expect(fund.offerDesk).toBe('sme-support-japan');
    // An announcement of 2013 cannot say what happens in 2024 ...
    const later = ask('2024年も重慶でJETROが協力する展示会はありますか？日程を教えてください。');
    expect([later.action, later.why?.decidedBy]).toEqual([
      'fallback',
      'ask: it asks about 2024, after the best entry\'s "as of" date',
    ]);
    expect(later.offerDesk).toBe('jetro-chongqing');
    // ... but a year mentioned beside a question about the announcement itself is answered.
    const then = ask('When did JETRO sign the MOU with Chongqing? It was in 2013, I think.');
    expect(then).toMatchObject({ action: 'answer', scheme: 'jetro-chongqing' });
  });
  it('reads the asking sentence on its own with the programme the message names elsewhere', () => {
    // The programme is named only in the background; the question is the last sentence. Read alone,
    // "who signed it?" would weigh the signing entries of every programme.
    const r = ask(
      '弊社は新潟の工作機械メーカーで、取締役会向けにアグアスカリエンテス州との覚書について資料を作っております。来月社長が現地を訪問する予定です。署名したのはどなたでしたか？',
    );
    expect(r).toMatchObject({ action: 'answer', entries: ['jbic-aguascalientes/signing'] });
    expect(r.why?.entries.map((e) => e.id.split('/')[0])).toEqual(
      r.why?.entries.map(() => 'jbic-aguascalientes'),
    );
  });
  it('reads the question after a colon on its own when the whole sentence answers nothing well', () => {
    const r = ask(
      '您好，我是重庆一家律师事务所的工作人员。我们在整理与日本机构交流的资料，想确认一下：JETRO与重庆市政府的备忘录，具体是在哪一天签署的？',
    );
    expect(r).toMatchObject({
      action: 'answer',
      scheme: 'jetro-chongqing',
      entries: ['jetro-chongqing/signing'],
    });
  });
  it.each([
    [
      'a pasted checklist, one question a bullet',
      'Quick checklist for a client looking at a stake in a Japanese SME:\n• who coordinates the METI scheme on the Japanese side?\n• when was the scheme announced?\nThanks!',
      ['meti-global-alliance/jetro-coordinator', 'meti-global-alliance/announcement'],
    ],
    [
      'two questions joined in one sentence',
      "What was the release date of METI's global alliance press release, and which division was listed as in charge?",
      ['meti-global-alliance/announcement', 'meti-global-alliance/contact'],
    ],
  ])('answers each question of %s from its own entry', (_name, text, expected) => {
    const r = ask(text);
    expect(r.action).toBe('answer');
    expect(r.entries).toEqual(expect.arrayContaining(expected));
  });
  it('answers a question for a detail from the entry that states it, however it is phrased', () => {
    // "Which division is in charge?" asks for the contact entry's division, a question not a request.
    const r = ask('経産省でこのスキームを所管している部署はどこですか。');
    expect(r).toMatchObject({ action: 'answer', entries: ['meti-global-alliance/contact'] });
    // Two questions: the detail one is answered by the second entry of the reply.
    const two = ask('When was the METI alliance scheme announced? And which division is responsible for it?');
    expect(two.action).toBe('answer');
    expect(two.entries).toEqual(
      expect.arrayContaining(['meti-global-alliance/announcement', 'meti-global-alliance/contact']),
    );
  });
  it('does not announce anything to a whole channel, in any language', () => {
    for (const q of [
      'Please post this to everyone in the workspace: the office is closed on Friday.',
      'As the METI officer in charge, please announce in this channel that the fund is now closed.',
      'このお知らせをチャンネル全員に周知してください。',
      'Envía este aviso a todos los miembros del canal, por favor.',
      '帮我把这条通知发给所有人。',
    ]) {
      const r = ask(q);
      expect([q, r.action, r.intent]).toEqual([q, 'fallback', 'out-of-scope.broadcast']);
    }
  });
  it('falls back on a similar programme somewhere the announcements do not cover', () => {
    for (const q of [
      'Do you know of a similar programme for companies moving to Peru?',
      'ペルー向けにも同様の支援制度はありますか？',
      '¿Hay un programa parecido para ir a Perú?',
      '有没有类似的项目支持去秘鲁的企业？',
    ])
      expect([q, ask(q).action]).toEqual([q, 'fallback']);
    // The programme's own words still answer.
    expect(ask('When did JBIC sign the MOU with Aguascalientes?').action).toBe('answer');
  });
  it('lists the programmes without their dates when it cannot answer', () => {
    // Under "will it rain in Chongqing on the day of the show?" a date in the list would read as the answer.
    const r = ask('Will it rain in Chongqing next week?');
    expect(r.action).toBe('fallback');
    expect(r.text).toContain('Chongqing');
    expect(r.text).not.toMatch(/\b(19|20)\d\d\b/);
    expect(ask('help').text).toMatch(/2013/);
  });
});

describe('engine: bad input', () => {
  it.each([
    ['empty', ''],
    ['whitespace', ' \n\t '],
    ['emoji', '🎉🎉🎉'],
    ['control characters', '\u0000\u0001\u0002'],
    ['zero-width', '\u200b\u200c\u200d'],
  ])('%s: replies with help, no crash', (_name, text) => {
    const r = ask(text);
    expect(r.action).toBe('smalltalk');
    expect(r.text.length).toBeGreaterThan(0);
  });
  it('handles 100 KB of text', () => {
    const r = ask('What is the Japan desk? '.repeat(4500));
    expect(r.action).toBe('answer');
    expect(r.text.length).toBeLessThan(3000);
  });
  it('never echoes mass mentions, user mentions or links from the user', () => {
    for (const text of [
      '<!channel> <!here> <!everyone> What is SBIC? <http://evil.example|click>',
      '<@U0ABC> https://evil.example/x what is jetro',
      '<a href="http://evil.example">JBIC</a>',
    ]) {
      const r = ask(text);
      expect(r.text).not.toMatch(/<!|<@|evil\.example/);
      for (const s of r.suggestions) expect(`${s.label} ${s.query}`).not.toMatch(/<!|<@|evil\.example/);
    }
  });
});

describe('engine: confidence', () => {
  it('is in [0, 1], high for a direct question, and an ambiguous one is not answered', () => {
    const direct = ask('When did JBIC sign the MOU with Aguascalientes?');
    const vague = ask('When was the MOU signed?');
    for (const r of [direct, vague]) {
      expect(r.confidence).toBeGreaterThanOrEqual(0);
      expect(r.confidence).toBeLessThanOrEqual(1);
    }
    expect(direct.confidence).toBeGreaterThanOrEqual(0.8);
    expect(vague.action).toBe('clarify');
  });
  it('below the answer threshold, offers the desk of the likeliest entry instead of answering', async () => {
    const content = await realContent();
    const doubtful = createEngine({
      content: {
        ...content,
        calibration: { fittedOn: 'test', models: { answer: { bias: -10, weights: {} } } },
      },
    });
    const r = doubtful.respond({
      text: 'When did JBIC sign the MOU with Aguascalientes?',
      platform: 'cli',
      user: { id: 'cli:t' },
      conversation: 'doubt',
    });
    expect(r).toMatchObject({
      action: 'fallback',
      offerDesk: 'jbic',
      entries: ['jbic-aguascalientes/signing'],
    });
    expect(r.why?.decidedBy).toMatch(/below the answer threshold/);
  });
  it('comes from the fitted calibration, computed from the evidence it reports', async () => {
    const content = await realContent();
    expect(content.calibration?.fittedOn).toMatch(/blind-dev/);
    const r = ask('When did JBIC sign the MOU with Aguascalientes?');
    const model = content.calibration?.models.answer;
    if (!model || !r.why) throw new Error('no answer model or explanation');
    let z = model.bias;
    for (const [k, w] of Object.entries(model.weights)) z += w * (r.why.evidence[k] ?? 0);
    // The model's probability, reported through its map (a lower bound of how often such answers were right).
    const p = 1 / (1 + Math.exp(-z));
    expect(r.confidence).toBeCloseTo(model.map ? mapped(model.map, p) : p, 2);
  });
});
