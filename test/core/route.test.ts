import { describe, expect, it } from 'vitest';
import { routeRequest } from '../../src/core/route.js';
import type { Reading } from '../../src/core/understand.js';

/** A reading with only what routing looks at. */
const reading = (over: Partial<Reading>): Reading => ({
  norm: '',
  lang: 'en',
  tokens: [],
  focus: '',
  focusTokens: [],
  questions: [],
  requestSentence: 0,
  tellMe: false,
  asksSomeone: false,
  kind: null,
  kinds: [],
  details: [],
  followUpCue: false,
  subjectTokens: [],
  refersBack: false,
  acts: [],
  programmes: [],
  programmeNames: [],
  deskNames: [],
  deskModel: [],
  ...over,
});
const config = {
  triage: 'general',
  programmeDesks: new Map([['meti-global-alliance', ['jetro-global-alliance', 'sme-support-japan']]]),
  minScore: 0.9,
};
const route = (r: Partial<Reading>, extra: { scheme?: string; conversationDesk?: string } = {}) =>
  routeRequest(config, {
    reading: reading(r),
    scheme: extra.scheme ?? null,
    entry: undefined,
    conversationDesk: extra.conversationDesk ?? null,
    deskRules: [],
  });

describe('routing a request', () => {
  it('follows the desk router when it is sure, over a programme default', () => {
    const r = route(
      {
        deskModel: [
          { label: 'sme-support-japan', p: 0.7 },
          { label: 'jetro-global-alliance', p: 0.2 },
        ],
      },
      { scheme: 'meti-global-alliance' },
    );
    expect(r.desk).toBe('sme-support-japan');
    expect(r.candidates[0]?.by).toContain('desk model 0.7');
  });
  it('sends a request with no signal to triage', () => {
    expect(route({ deskModel: [{ label: 'sbic', p: 0.15 }] }).desk).toBe('general');
  });
  it("gives a bare request inside a conversation to that conversation's desk, not to triage", () => {
    const r = route({ deskModel: [{ label: 'general', p: 0.6 }] }, { conversationDesk: 'jetro-chongqing' });
    expect(r.desk).toBe('jetro-chongqing');
  });
  it('gives a request that points back at the conversation to its desk, even when the router leans elsewhere', () => {
    const r = route(
      { refersBack: true, deskModel: [{ label: 'jetro-global-alliance', p: 0.3 }] },
      { conversationDesk: 'sme-support-japan' },
    );
    expect(r.desk).toBe('sme-support-japan');
  });
});
