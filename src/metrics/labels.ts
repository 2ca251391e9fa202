import type { Content } from '../content/types.js';
import { ACTIONS, PLATFORMS } from '../core/types.js';

/** Pending notifications and when the oldest of them was queued (ISO), null when none waits. */
export interface Backlog {
  pending: number;
  oldestAt: string | null;
}

const OTHER = 'other';
/** Notifier channels: the platforms and the log. */
const CHANNELS = new Set<string>([...PLATFORMS, 'log']);
const PLATFORM_SET = new Set<string>(PLATFORMS);
const ACTION_SET = new Set<string>(ACTIONS);
const RATINGS = new Set(['helpful', 'not_helpful']);

/**
 * Label values from closed sets only, so no label can carry a user id, a ticket id or a person's text,
 * and a bad value cannot grow the number of series: platforms, actions, ratings and channels are fixed
 * lists; desks and languages are the content's own (re-read when the content changes). Anything else
 * is `other`.
 */
export class LabelGuard {
  private version = '';
  private desks = new Set<string>();
  private langs = new Set<string>();

  constructor(
    private readonly content: () => Pick<Content, 'version' | 'desks' | 'messages' | 'knowledge'>,
  ) {}

  platform(value: string): string {
    return PLATFORM_SET.has(value) ? value : OTHER;
  }
  action(value: string): string {
    return ACTION_SET.has(value) ? value : OTHER;
  }
  rating(value: string): string {
    return RATINGS.has(value) ? value : OTHER;
  }
  channel(value: string): string {
    return CHANNELS.has(value) ? value : OTHER;
  }
  desk(value: string): string {
    this.refresh();
    return this.desks.has(value) ? value : OTHER;
  }
  /** A language the content is written in (its messages or any entry's body), else `other`. */
  lang(value: string): string {
    this.refresh();
    return this.langs.has(value) ? value : OTHER;
  }

  private refresh(): void {
    const c = this.content();
    if (c.version === this.version) return;
    this.version = c.version;
    this.desks = new Set(c.desks.desks.map((d) => d.id));
    this.langs = new Set([...Object.keys(c.messages), ...c.knowledge.flatMap((e) => Object.keys(e.body))]);
  }
}
