import { z } from 'zod';
import { DESK_IDS, SCHEME_IDS } from '../core/types.js';

const text = z.string().trim().min(1, 'must not be empty');
const localized = <T extends z.ZodType>(inner: T) => z.strictObject({ en: inner, ja: inner });
const textList = z.array(text);

const isoDate = z.string().refine((v) => {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  if (!m) return false;
  const d = new Date(`${v}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(v);
}, 'expected a date YYYY-MM-DD');

const scheme = z.enum(SCHEME_IDS, { error: () => `expected one of ${SCHEME_IDS.join(', ')}` });
const desk = z.enum(DESK_IDS, { error: () => `expected a desk id (${DESK_IDS.join(', ')})` });
const kebab = z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'expected kebab-case (a-z, 0-9, -)');

/** Front matter of `knowledge/<scheme>/<topic>.md`. */
export const KnowledgeFrontMatter = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]+\/[a-z0-9-]+$/, 'expected <scheme>/<topic>'),
  scheme,
  topic: kebab,
  desk,
  title: localized(text),
  questions: localized(z.array(text).min(1, 'needs at least one question')),
  tags: localized(textList).optional(),
  source: z.strictObject({
    publisher: text,
    title: text,
    date: isoDate,
    url: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }),
  }),
  as_of: isoDate,
  related: z.array(z.string()).default([]),
});

const userRef = z
  .string()
  .regex(/^(slack|teams|web|cli):\S+$/, 'expected <platform>:<id> with platform slack, teams, web or cli');

export const DesksFile = z.strictObject({
  admins: z.array(userRef).default([]),
  desks: z.array(
    z.strictObject({
      id: desk,
      name: localized(text),
      takes: localized(text),
      schemes: z.array(scheme).default([]),
      response_target_hours: z.number().positive('must be a positive number of hours'),
      reminder_interval_hours: z.number().positive('must be a positive number of hours').default(4),
      notify: z
        .strictObject({
          slack_channel: z
            .string()
            .regex(/^[CGD][A-Z0-9]{2,}$/, 'expected a Slack channel id (C…, G… or D…)')
            .optional(),
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
          .enum(['greeting', 'thanks', 'help', 'bye'], {
            error: () => 'expected greeting, thanks, help or bye',
          })
          .optional(),
        priority: z.number().int().default(0),
        keywords: z
          .strictObject({ en: textList.default([]), ja: textList.default([]) })
          .default({ en: [], ja: [] }),
        patterns: z.array(regexSource).default([]),
        examples: z
          .strictObject({ en: textList.default([]), ja: textList.default([]) })
          .default({ en: [], ja: [] }),
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
        const signals =
          rule.keywords.en.length +
          rule.keywords.ja.length +
          rule.patterns.length +
          rule.examples.en.length +
          rule.examples.ja.length;
        if (signals === 0) {
          ctx.addIssue({
            code: 'custom',
            path: [],
            message: 'needs at least one keyword, pattern or example',
          });
        }
      }),
  ),
});

/** Keys each object may have, for "did you mean" on unknown keys. */
export const KNOWN_KEYS = {
  knowledge: Object.keys(KnowledgeFrontMatter.shape),
  source: ['publisher', 'title', 'date', 'url'],
  desk: [
    'id',
    'name',
    'takes',
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
  lang: ['en', 'ja'],
  notify: ['slack_channel', 'teams_conversation'],
  top: ['admins', 'desks', 'intents'],
};
