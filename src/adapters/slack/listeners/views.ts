import { DeskError } from '../../../desk/errors.js';
import { HandoffModalMeta, parsePayload, ResolveModalMeta } from '../../../present/payloads.js';
import { stringsFor } from '../../../present/strings.js';
import { messageFor } from '../blocks.js';
import type { SlackClient } from '../poster.js';
import { type SlackDeps, slackRequest, ticketLang } from './deps.js';

interface ViewArgs {
  ack: (response?: Record<string, unknown>) => Promise<void>;
  view: {
    id: string;
    private_metadata: string;
    state: { values: Record<string, Record<string, { value?: string | null }>> };
  };
  body: { user: { id: string; name?: string } };
  client: SlackClient;
}

const inputOf = (view: ViewArgs['view'], block: string) => view.state.values[block]?.value?.value ?? '';

/**
 * The handoff modal's submission. The ticket is stored before the modal closes: a missing field keeps
 * the modal open with the field marked, and a store that refuses the write keeps it open saying the
 * request was not saved (nothing is lost, the person can send again). The form's own key makes a second
 * submission the same request.
 */
export function onHandoffSubmit(deps: SlackDeps) {
  return async ({ ack, view, body, client }: ViewArgs): Promise<void> => {
    const meta = parsePayload(HandoffModalMeta, view.private_metadata);
    const lang = meta?.lang;
    const s = stringsFor(deps.desk.content(), lang);
    if (!meta) {
      await ack({ response_action: 'errors', errors: { need: s.t('errBadPayload') } });
      return;
    }
    const req = slackRequest(
      { id: body.user.id, name: body.user.name },
      meta.channel,
      meta.thread || undefined,
      `view:${view.id}`,
    );
    const { channel: _c, thread: _t, ...payload } = meta;
    try {
      await deps.desk.submitHandoff({ ...req, lang: meta.lang }, payload, {
        company: inputOf(view, 'company'),
        contact: inputOf(view, 'contact'),
        need: inputOf(view, 'need'),
      });
    } catch (error) {
      if (error instanceof DeskError && error.code === 'INCOMPLETE') {
        const errors = Object.fromEntries((error.details.fields ?? []).map((f) => [f, s.t('formRequired')]));
        await ack({ response_action: 'errors', errors });
        return;
      }
      const notice = deps.desk.toUserMessage(error, { ...req, lang: meta.lang });
      await ack({ response_action: 'errors', errors: { need: notice.text } }).catch(async () => {
        await client.chat.postEphemeral({ channel: meta.channel, user: body.user.id, ...messageFor(notice) });
      });
      return;
    }
    await ack();
  };
}

/**
 * The resolution note's submission. The ticket is resolved before the modal closes: a refusal (a
 * damaged form, a ticket someone else resolved meanwhile, a store that refuses the write) keeps the
 * modal open and says why, to this person only, and the note they typed is not lost.
 */
export function onResolveSubmit(deps: SlackDeps) {
  return async ({ ack, view, body }: ViewArgs): Promise<void> => {
    const meta = parsePayload(ResolveModalMeta, view.private_metadata);
    const base = slackRequest(
      { id: body.user.id, name: body.user.name },
      meta?.channel ?? '',
      undefined,
      `view:${view.id}`,
    );
    const lang = await ticketLang(deps, meta?.ticket, base.user).catch(() => undefined);
    const req = lang ? { ...base, lang } : base;
    try {
      if (!meta) throw new DeskError('BAD_PAYLOAD');
      await deps.desk.act(
        req,
        { k: 'act', a: 'resolve', ticket: meta.ticket },
        inputOf(view, 'note') || undefined,
      );
    } catch (error) {
      await ack({ response_action: 'errors', errors: { note: deps.desk.toUserMessage(error, req).text } });
      return;
    }
    await ack();
  };
}

/** A modal closed with Cancel or ×: acknowledged; nothing changes. */
export function onViewClosed() {
  return async ({ ack }: Pick<ViewArgs, 'ack'>) => {
    await ack();
  };
}
