-- Conversation context (the last programme, entry, desk, question and turns of each conversation),
-- shared by every replica so a follow-up is read in its context whichever replica receives it.
-- Bounded as in one process: turns per conversation by the writer, age by touched_at (rows older than
-- the expiry are ignored on read and swept).
CREATE TABLE conversation_context (
  conversation text PRIMARY KEY,
  context jsonb NOT NULL,
  touched_at timestamptz NOT NULL
);

CREATE INDEX conversation_context_touched_at ON conversation_context (touched_at);
