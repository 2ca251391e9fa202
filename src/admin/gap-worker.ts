/**
 * Groups knowledge gaps off the main thread for the dashboard: `groupGaps` over a month of questions
 * takes seconds, and on the main thread it would hold up every Slack and Teams acknowledgement.
 */
import { parentPort } from 'node:worker_threads';
import { groupGaps } from '../analytics/gaps.js';
import type { GapJob, GapJobResult } from './gap-board.js';

parentPort?.on('message', (job: GapJob) => {
  let result: GapJobResult;
  try {
    const gaps = groupGaps(job.records, {
      decisions: job.decisions,
      now: new Date(job.now),
      limit: job.limit,
    });
    result = { id: job.id, gaps };
  } catch (error) {
    result = { id: job.id, error: error instanceof Error ? error.message : String(error) };
  }
  parentPort?.postMessage(result);
});
