import { z } from 'zod';
import { QUESTION_KINDS, REQUIRED_LANGS } from '../core/types.js';
import { WEEKDAYS } from './types.js';

const text = z.string().trim().min(1, 'must not be empty');
const textList = z.array(text);

/** A language code: `en`, `ja`, `es`, `zh`, `pt-BR`… */
export const LANG_CODE = /^[a-z]{2,3}(-[A-Za-z]{2,4})?$/;
const langKey = z.string().regex(LANG_CODE, 'expected a language code (en, ja, es, zh, …)');

/** Text per language code; `en` and `ja` required unless `optional`. */
const localized = <T extends z.ZodType>(inner: T, { required = true } = {}) =>
  z.record(langKey, inner).superRefine((value, ctx) => {
    if (!required) return;
    for (const lang of REQUIRED_LANGS)
      if (value[lang] === undefined)
        ctx.addIssue({ code: 'custom', path: [lang], message: `required (every text needs ${lang})` });
  });
const localizedList = localized(textList, { required: false }).default({});

const isoDate = z.string().refine((v) => {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  if (!m) return false;
  const d = new Date(`${v}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(v);
}, 'expected a date YYYY-MM-DD');

const kebab = z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'expected kebab-case (a-z, 0-9, -)');
/** Programme and desk ids are content: their existence is checked across files, not here. */
const scheme = kebab;
const desk = kebab;

/** Front matter of `knowledge/<scheme>/<topic>.md`. */
export const KnowledgeFrontMatter = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]+\/[a-z0-9-]+$/, 'expected <scheme>/<topic>'),
  scheme,
  topic: kebab,
  desk,
  answers: z
    .array(z.enum(QUESTION_KINDS, { error: () => `expected one of ${QUESTION_KINDS.join(', ')}` }))
    .default([]),
  title: localized(text),
  questions: localized(z.array(text).min(1, 'needs at least one question')),
  tags: localizedList,
  source: z.strictObject({
    publisher: text,
    title: text,
    date: isoDate,
    url: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).optional(),
    /** Where the exact page is not known: says so, instead of linking an index page as the source. */
    url_note: text.optional(),
  }),
  as_of: isoDate,
  related: z.array(z.string()).default([]),
});

/** `knowledge/<programme>/programme.yml`. */
export const ProgrammeFile = z.strictObject({
  id: kebab,
  name: localized(text),
  aliases: localizedList,
  source: z.strictObject({
    publisher: text,
    title: text,
    date: isoDate,
    file: text,
    url: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).optional(),
    url_note: text.optional(),
  }),
  desks: z.array(desk).min(1, 'needs at least one desk'),
  review_days: z.number().int().positive('must be a positive number of days').default(365),
  renderings: z.record(z.string(), textList).default({}),
});

const userRef = z
  .string()
  .regex(/^(slack|teams|web|cli):\S+$/, 'expected <platform>:<id> with platform slack, teams, web or cli');

/** Where the bot posts in Slack: a desk's cards, the admins' digest. */
const slackChannel = z.string().regex(/^[CGD][A-Z0-9]{2,}$/, 'expected a Slack channel id (C…, G… or D…)');

const isTimeZone = (zone: string) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

export const DesksFile = z.strictObject({
  admins: z.array(userRef).default([]),
  triage: desk.default('general'),
  /** Where notices for admins are posted (the weekly digest): a Slack channel and/or a Teams channel. */
  admin_channel: z
    .strictObject({
      slack_channel: slackChannel.optional(),
      teams_conversation: z
        .string()
        .regex(
          /^19:[^\s;]+@thread\.[a-z0-9.]+$/i,
          'expected a Teams channel conversation id (19:…@thread.tacv2)',
        )
        .optional(),
      /** The language the admins read the digest in. */
      lang: z
        .string()
        .regex(/^[a-z]{2}(-[A-Za-z]{2,4})?$/, 'expected a language code')
        .default('en'),
    })
    .optional(),
  /** When the weekly digest is posted to `admin_channel`; without it there is no digest. */
  digest: z
    .strictObject({
      weekday: z.enum(WEEKDAYS, { error: () => `expected one of ${WEEKDAYS.join(', ')}` }).default('monday'),
      hour: z
        .number({ error: () => 'expected an hour from 0 to 23' })
        .int('expected a whole hour from 0 to 23')
        .min(0, 'expected an hour from 0 to 23')
        .max(23, 'expected an hour from 0 to 23')
        .default(9),
      timezone: z
        .string()
        .refine(isTimeZone, 'expected an IANA time zone (Asia/Tokyo, Europe/Madrid, UTC, …)')
        .default('Asia/Tokyo'),
    })
    .optional(),
  desks: z.array(
    z.strictObject({
      id: desk,
      name: localized(text),
      /** The language the desk's staff read: their ticket cards are written in it. */
      lang: z
        .string()
        .regex(/^[a-z]{2}(-[A-Za-z]{2,4})?$/, 'expected a language code')
        .default('en'),
      takes: localized(text),
      aliases: localizedList,
      descriptions: localizedList,
      examples: localizedList,
      schemes: z.array(scheme).default([]),
      response_target_hours: z.number().positive('must be a positive number of hours'),
      reminder_interval_hours: z.number().positive('must be a positive number of hours').default(4),
      notify: z
        .strictObject({
          slack_channel: slackChannel.optional(),
          teams_conversation: text.optional(),
        })
        .default({}),
      staff: z.array(userRef).default([]),
    }),
  ),
});

const regexSource = z.string().refine((source) => {
  try {
    new RegExp(source, 'iu');
    return true;
  } catch {
    return false;
  }
}, 'not a valid regular expression');

export const IntentsFile = z.strictObject({
  intents: z.array(
    z
      .strictObject({
        id: z.string().regex(/^[a-z0-9._-]+$/, 'expected lowercase letters, digits, ".", "_" or "-"'),
        action: z.enum(['answer', 'handoff', 'smalltalk', 'fallback'], {
          error: () => 'expected answer, handoff, smalltalk or fallback',
        }),
        scheme: scheme.optional(),
        topic: kebab.optional(),
        desk: desk.optional(),
        smalltalk: z
          .enum(['greeting', 'thanks', 'help', 'bye', 'bot'], {
            error: () => 'expected greeting, thanks, help, bye or bot',
          })
          .optional(),
        priority: z.number().int().default(0),
        keywords: localizedList,
        patterns: z.array(regexSource).default([]),
        examples: localizedList,
      })
      .superRefine((rule, ctx) => {
        if (rule.action === 'answer' && !rule.scheme) {
          ctx.addIssue({ code: 'custom', path: ['scheme'], message: 'required for an answer intent' });
        }
        if (rule.action === 'handoff' && !rule.desk) {
          ctx.addIssue({ code: 'custom', path: ['desk'], message: 'required for a handoff intent' });
        }
        if (rule.action === 'smalltalk' && !rule.smalltalk) {
          ctx.addIssue({ code: 'custom', path: ['smalltalk'], message: 'required for a smalltalk intent' });
        }
        const count = (m: Record<string, string[]>) => Object.values(m).reduce((n, l) => n + l.length, 0);
        if (count(rule.keywords) + rule.patterns.length + count(rule.examples) === 0) {
          ctx.addIssue({
            code: 'custom',
            path: [],
            message: 'needs at least one keyword, pattern or example',
          });
        }
      }),
  ),
});

/** `intents/acts.yml`: examples of what people want to do, per act and language. */
export const ActsFile = z.strictObject({
  acts: z.strictObject({
    ask: localized(textList),
    request: localized(textList),
    chat: localized(textList),
    'out-of-scope': localized(textList),
  }),
});

/** `intents/question-kinds.yml`: cues of each kind of question, as regular expressions per language. */
export const QuestionKindsFile = z.strictObject({
  /** Openings of an elliptical follow-up ("and the fund?", "what about Chongqing?"), per language. */
  follow_ups: localized(z.array(regexSource), { required: false }).default({}),
  /** Words that point back at what the conversation was about ("that fund", "そちら", "ese programa"). */
  back_references: localized(z.array(regexSource), { required: false }).default({}),
  /** Asking to be told a fact ("could you tell me", "教えていただけますか", "请问"): with a question word, a question. */
  tell_me: localized(z.array(regexSource), { required: false }).default({}),
  /** Asking to put the question to a person ("ask someone at JBIC", "担当の方に直接伺いたい"): not to the bot. */
  ask_someone: localized(z.array(regexSource), { required: false }).default({}),
  /** Words that say nothing of what a question is about ("exactly", "actually"): the knowledge search skips them. */
  fillers: localized(z.array(text), { required: false }).default({}),
  /** Groups of words that mean the same in a question, per language: one matches an entry that has another. */
  synonyms: localized(z.array(z.array(text).min(2, 'a synonym group needs at least two words')), {
    required: false,
  }).default({}),
  /** Details a question can ask for that only an entry stating them answers ("the application deadline"). */
  details: z
    .array(
      z.strictObject({
        detail: z.string().regex(/^[a-z][a-z0-9-]*$/, 'a detail id is lower case letters, digits and dashes'),
        patterns: localized(z.array(regexSource), { required: false }),
      }),
    )
    .default([]),
  kinds: z.array(
    z.strictObject({
      kind: z.enum(QUESTION_KINDS, { error: () => `expected one of ${QUESTION_KINDS.join(', ')}` }),
      patterns: localized(z.array(regexSource), { required: false }),
    }),
  ),
});

/** `messages/<lang>.yml`: the reply strings of one language. */
export const MessagesFile = z.record(z.string().regex(/^[a-z][a-zA-Z]*$/, 'expected a camelCase key'), text);

/** `models/calibration.json`, written by `eval --fit`. */
export const CalibrationFile = z.strictObject({
  fittedOn: z.string(),
  models: z.record(
    z.string(),
    z.strictObject({
      bias: z.number(),
      weights: z.record(z.string(), z.number()),
      map: z.array(z.tuple([z.number().min(0).max(1), z.number().min(0).max(1)])).optional(),
    }),
  ),
});

/** Keys each object may have, for "did you mean" on unknown keys. */
export const KNOWN_KEYS = {
  knowledge: Object.keys(KnowledgeFrontMatter.shape),
  programme: Object.keys(ProgrammeFile.shape),
  source: ['publisher', 'title', 'date', 'url', 'url_note', 'file'],
  desk: [
    'id',
    'name',
    'lang',
    'takes',
    'aliases',
    'descriptions',
    'examples',
    'schemes',
    'response_target_hours',
    'reminder_interval_hours',
    'notify',
    'staff',
  ],
  intent: [
    'id',
    'action',
    'scheme',
    'topic',
    'desk',
    'smalltalk',
    'priority',
    'keywords',
    'patterns',
    'examples',
  ],
  lang: ['en', 'ja', 'es', 'zh'],
  notify: ['slack_channel', 'teams_conversation'],
  adminChannel: ['slack_channel', 'teams_conversation', 'lang'],
  digest: ['weekday', 'hour', 'timezone'],
  top: ['admins', 'triage', 'admin_channel', 'digest', 'desks', 'intents', 'acts', 'kinds'],
};
