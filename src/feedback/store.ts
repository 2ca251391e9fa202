import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Platform, Reply, UserRef } from '../core/types.js';

export type Rating = 'helpful' | 'not_helpful';

/** A rating of one bot turn, kept with what the bot said in that turn. */
export interface Feedback {
  at: string;
  platform: Platform;
  user: UserRef;
  conversation: string;
  /** Platform id of the rated reply (Slack message ts, Teams activity id, web turn id). */
  turn: string;
  rating: Rating;
  reply: Pick<Reply, 'action' | 'intent' | 'confidence' | 'scheme' | 'entries'>;
}

export interface FeedbackStore {
  record(feedback: Feedback): Promise<void>;
}

/** Appends one JSON line per rating to `file` (`<data dir>/feedback.jsonl`). */
export function createFeedbackStore(file: string): FeedbackStore {
  let chain: Promise<void> = Promise.resolve();
  let ready: Promise<unknown> | undefined;
  return {
    record(feedback) {
      ready ??= mkdir(dirname(file), { recursive: true });
      const write = chain.then(async () => {
        await ready;
        await appendFile(file, `${JSON.stringify(feedback)}\n`, 'utf8');
      });
      chain = write.catch(() => undefined);
      return write;
    },
  };
}
