import { beforeAll, describe, expect, it } from 'vitest';
import { THRESHOLDS } from '../../src/core/engine.js';
import { buildReader, type Reader } from '../../src/core/understand.js';
import { realContent } from '../helpers.js';

let reader: Reader;
beforeAll(async () => {
  reader = buildReader(await realContent());
});

/** Each text read as a question of `kind` (the text is in the assertion, so a failure names it). */
const expectKind = (kind: string, texts: readonly string[]) => {
  for (const text of texts) expect([text, reader.read(text).kind]).toEqual([text, kind]);
};

describe('reader: asking to be told vs asking for a person', () => {
  it('reads a polite "tell me" with a question word as asking the bot', () => {
    for (const text of [
      'Could you tell me when the Chongqing memorandum was signed?',
      '覚書について伺いたいのですが、署名されたのはどなたでしたか。',
      '署名者のお名前を確認させていただけますでしょうか。',
      '请问备忘录是哪一年签署的？',
      '¿Me podría decir quién firmó el memorando?',
    ])
      expect([text, reader.read(text).tellMe]).toEqual([text, true]);
  });
  it('does not read "tell me" without a question word, or "I heard", as asking to be told', () => {
    for (const text of ['Please tell me more.', 'ファンドがあると伺いました。'])
      expect([text, reader.read(text).tellMe]).toEqual([text, false]);
  });
  it('reads a question meant for a person as wanting a person, not as asking the bot', () => {
    for (const text of [
      'Who should we contact about the trade shows?',
      '経産省の担当の方に直接伺いたいのですが、政策の狙いは何ですか。',
      '应该找谁咨询展会的事？',
      '¿A quién debemos contactar para el fondo?',
    ]) {
      const r = reader.read(text);
      expect([text, r.asksSomeone, r.tellMe]).toEqual([text, true, false]);
    }
    expect(reader.read('When was the memorandum signed?').asksSomeone).toBe(false);
  });
  it('does not count a long message\'s polite "may I ask" sentence as a request for a person', () => {
    const text =
      'We are a parts maker in Shizuoka with two plants. Our bank mentioned the Aguascalientes agreement. I would like to ask which state government signed it with JBIC?';
    const r = reader.read(text);
    expect(r.tellMe).toBe(true);
    expect(r.requestSentence).toBeLessThan(THRESHOLDS.requestSentence);
  });
});

describe('reader: the question inside a message', () => {
  it('reads the question a message quotes as what it asks', () => {
    const ja = reader.read(
      '弊社は大阪の樹脂成形メーカーです。取引先から「重慶との覚書に署名したのはどなたですか？」と聞かれました。お手数ですがご教示いただけますか。',
    );
    expect(ja.focus).toBe('重慶との覚書に署名したのはどなたですか?');
    expect(ja.kind).toBe('who');
    const en = reader.read(
      'A supplier of ours asked me "which organisations host the promotion offices?" - any idea?',
    );
    expect(en.focus).toBe('which organisations host the promotion offices?');
    // A quoted name is not a question: the message is read whole.
    expect(reader.read('What does the "Japan desk" do?').focus).toBe('what does the "japan desk" do?');
  });
  it('does not read "please let me know" beside a question as asking for a person', () => {
    const r = reader.read(
      'いつもお世話になっております。弊社は静岡の部品メーカーです。JBICは覚書でどのような役割を担うのでしょうか。簡単にご教示いただけますと幸いです。',
    );
    expect(r.requestSentence).toBeLessThan(THRESHOLDS.requestSentence);
    // "To hear it from the person in charge" is a person, however politely put.
    expect(reader.read('ご担当の方からお話を伺えれば幸いです。').asksSomeone).toBe(true);
  });
  it('does not read the greeting いつも, or 誰からも (nobody), as a question word', () => {
    expect(reader.read('いつもお世話になっております。').kind).toBeNull();
    expect(reader.read('いつ締結されましたか？').kind).toBe('when');
    // 誰からも / 誰も is "nobody", not "who?"; 何をする is a what question.
    expect(reader.read('まだ誰からも返事がありません。').kind).toBeNull();
    expect(reader.read('覚書の署名者は誰ですか？').kind).toBe('who');
    expect(reader.read('この覚書では何をするのですか？').kind).toBe('what');
  });
  it('reads "in which ways can it be used?" as a how question, in every language', () => {
    expectKind('how', [
      'What are the ways the fund could be used?',
      'ファンドの活用例にはどんなパターンがありますか？',
      '¿Cuáles son las formas en que se puede utilizar el fondo?',
      '这个基金有哪几种利用方式？',
      'Is there a way for foreign investors to come in through the fund?',
      '外國企業可以用什麼方式參與投資？',
    ]);
  });
  it('tells "may we hear from JBIC\'s staff once?" from "let me confirm whether…?"', () => {
    // A request to hear from a person, however it is put: お話し伺えますか, お話を伺えますか.
    for (const text of [
      'JBICの方に一度お話し伺えますか？',
      'JBICの担当の方にお話を伺えますか？',
      '商工中金の推進室に連絡とってもらえます？',
      '能否代為聯繫商工中金的推進室？',
    ])
      expect([text, reader.read(text).asksSomeone]).toEqual([text, true]);
    // Asking to have a yes/no question confirmed is a question for the bot, with or without a question word.
    const confirm = reader.read('想确认一下，备忘录里是不是有支持日本企业参展这一条？');
    expect(confirm.kind).toBeNull();
    expect(confirm.tellMe).toBe(true);
  });
  it('reads colloquial Chinese and "in what form" questions for their kind', () => {
    expect(reader.read('这个项目是啥时候开始的？').kind).toBe('when');
    expect(reader.read('研讨会具体是哪一天办的？').kind).toBe('when');
    expect(reader.read('MOUの相手先は？').kind).toBe('who');
    // "Are there many…?" asks how much, in every language.
    expectKind('how-much', [
      'Are there many Japanese firms in Aguascalientes?',
      'アグアスカリエンテスって日系企業多いんですか？',
      '¿Hay muchas empresas japonesas en Aguascalientes?',
      '阿瓜斯卡连特斯的日本企业多不多？',
    ]);
    // Mexican Spanish asks "how much" as "qué tanto".
    expect(reader.read('¿Qué tanto de la inversión extranjera es japonesa?').kind).toBe('how-much');
    // 在哪些领域 asks which fields, not where; "en cuanto a" is "as for", not "how much".
    expect(reader.read('备忘录主要在哪些领域合作？').kind).not.toBe('where');
    expect(reader.read('¿Tiene algo especial en cuanto a aguas termales?').kind).not.toBe('how-much');
    expect(reader.read('JETRO是啥？').kind).toBe('what');
    expect(reader.read('ファンドはどういう形で使われる想定ですか').kind).toBe('how');
    expect(reader.read('このスキームだとファンドはどういう使われ方をするのですか').kind).toBe('how');
    // "〜なんですか" after a verb or adjective explains, it does not ask why or what.
    expect(reader.read('外国企業と一緒に出資するのもありなんですか？').kind).toBeNull();
    expect(reader.read('JETROってなんですか？').kind).toBe('what');
  });
  it('reads "how does the announcement describe it?" as a what question, in every language', () => {
    expectKind('what', [
      'How does the JETRO release describe Chongqing?',
      'JETROの発表では重慶はどのように紹介されていますか',
      '¿Cómo describe el anuncio a la ciudad de Chongqing?',
      'JETRO的公告里是怎么描述重庆的？',
    ]);
    // How to do something is still a how question.
    expect(reader.read('JETROにはどのように相談すればいいですか？').kind).toBe('how');
    expect(reader.read('如何申请？').kind).toBe('how');
  });
  it('counts a name inside a longer name found only as the longer one, whichever programme that names', () => {
    // "JETRO" alone names the METI scheme; "JETRO重庆" is the Chongqing programme's name.
    expect(reader.read('JETRO重庆的负责人是谁？').programmes.map((p) => p.id)).toEqual(['jetro-chongqing']);
    expect(reader.read('JETRO在全球联盟中的角色').programmes.map((p) => p.id)).toEqual([
      'meti-global-alliance',
    ]);
  });
  it("reads what a follow-up is about without its cue, and a question without a programme's names", () => {
    const terms = reader.read('同じ質問を重慶の方で').subjectTokens.map((t) => t.term);
    expect(terms).toContain('重慶');
    expect(terms).not.toContain('質問');
    const rest = reader.unnamed('When did JBIC sign the MOU with Aguascalientes?', 'jbic-aguascalientes');
    expect(rest).not.toMatch(/aguascalientes/);
    expect(rest).toMatch(/sign/);
  });
});

describe('reader: particular details a question asks for', () => {
  it('reads the detail asked for in every language, once each', () => {
    for (const [text, detail] of [
      ['When is the application deadline for the fund?', 'deadline'],
      ['ファンドの申込期限はいつまでですか？', 'deadline'],
      ['¿Cuál es la fecha límite para solicitar?', 'deadline'],
      ['基金的报名截止日期是什么时候？', 'deadline'],
      ['Are there any fees for the matching service?', 'cost'],
      ['融資の金利はどのくらいですか？', 'loan-terms'],
      ['Has the scheme had any success stories so far?', 'track-record'],
      ['¿Sigue vigente el memorando?', 'validity'],
      ['经济产业省的电话是多少？', 'contact-details'],
      ['When is the next symposium?', 'next-event'],
      ['Is the Japan desk open today?', 'current-status'],
      ['ジャパンデスクの受付時間は？', 'current-status'],
      ['¿Cuál es el horario de atención de la oficina?', 'current-status'],
      ['¿Ya está funcionando la oficina del estado?', 'current-status'],
      ['¿En qué dirección está la oficina?', 'contact-details'],
      ['那个窗口现在还在运作吗？', 'current-status'],
      ['How many Japanese companies are in Aguascalientes?', 'company-count'],
      ['重庆有多少家日本企业？', 'company-count'],
      ['Which division at METI is in charge of the scheme?', 'contact-details'],
      ['経産省の担当部署はどちらですか？', 'contact-details'],
      ['中小企業成長支援ファンドの総額はいくらですか？', 'money-amount'],
      ["What's the maximum investment per company from the fund?", 'money-amount'],
      ['¿Cuál es el monto máximo de inversión del fondo?', 'money-amount'],
      ['基金的规模有多大？', 'money-amount'],
    ] as const)
      expect([text, reader.read(text).details]).toEqual([text, [detail]]);
  });
  it('reads no detail in a question about what the announcements say', () => {
    for (const text of [
      'When was the memorandum signed?',
      '温泉シンポジウムはいつ開催されましたか？',
      'Who signed it?',
      // What the announcement said of it then: it was to be set up.
      'Was the Japan desk already set up when the MOU was signed?',
      // Which organisations (several), not how many companies.
      '推进办公室设在哪几家机构？',
      // The size of a company is not a sum of money.
      '我们公司规模不大，可以申请吗？',
    ])
      expect([text, reader.read(text).details]).toEqual([text, []]);
  });
  it('knows which entries state a detail, in any of their languages', async () => {
    const content = await realContent();
    const contact = content.knowledge.find((e) => e.id === 'meti-global-alliance/contact');
    if (!contact) throw new Error('the METI contact entry is missing');
    expect(reader.states(contact, ['contact-details'])).toBe(true);
    expect(reader.states(contact, ['deadline'])).toBe(false);
  });
});
