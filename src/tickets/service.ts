import type { Logger } from 'pino';
import type { DeskDirectory } from '../content/types.js';
import type { Clock, DeskId, UserRef } from '../core/types.js';
import { TicketError } from './errors.js';
import { createNotifierRegistry, type NotifierRegistry } from './notifiers.js';
import type { Actor, TicketService } from './service-types.js';
import { AWAITING_STAFF, awaitingStaff, type TicketStore } from './store.js';
import type { Audience, Delivery, Ticket, TicketEvent, TicketEventType, TicketStatus } from './types.js';

/** Which statuses each action may start from. */
const FROM: Record<'claim' | 'resolve' | 'reopen' | 'close' | 'reassign', TicketStatus[]> = {
  claim: ['open', 'reopened'],
  resolve: ['open', 'claimed', 'reopened'],
  reopen: ['resolved', 'closed'],
  close: ['open', 'claimed', 'resolved', 'reopened'],
  reassign: ['open', 'claimed', 'reopened'],
};

/** Who hears about each kind of event. */
const AUDIENCES: Partial<Record<TicketEventType, Audience[]>> = {
  created: ['desk', 'requester'],
  claimed: ['desk', 'requester'],
  reassigned: ['desk', 'requester'],
  resolved: ['desk', 'requester'],
  reopened: ['desk', 'requester'],
  closed: ['desk', 'requester'],
  commented: ['requester'],
  reminded: ['desk'],
};

const hours = (h: number) => h * 3_600_000;

export interface TicketServiceDeps {
  store: TicketStore;
  /** The desks currently loaded (changes on content reload). */
  desks: () => DeskDirectory;
  clock: Clock;
  logger?: Logger;
  /** Called after every committed change (e.g. to kick the outbox). */
  onChange?: (ticket: Ticket) => void;
  /**
   * Where notifications can go: one delivery is queued per channel that reaches each audience. Without
   * one (the CLI, which runs no outbox) every notification is queued for the log, delivered at the
   * next server start.
   */
  notifiers?: NotifierRegistry;
}

/** The ticket lifecycle: permissions, transitions, audit events and the notification outbox. */
export function createTicketService(deps: TicketServiceDeps): TicketService & {
  /** Appends a reminder for every open ticket past its due time, at most one per reminder interval. */
  remind(): Promise<Ticket[]>;
} {
  const { store, clock } = deps;
  const deskOf = (id: DeskId) => deps.desks().desks.find((d) => d.id === id);
  const isAdmin = (user: UserRef) => deps.desks().admins.includes(user);
  const canWork = (user: UserRef, desk: DeskId) =>
    isAdmin(user) || (deskOf(desk)?.staff.includes(user) ?? false);

  const notifiers = deps.notifiers ?? createNotifierRegistry();

  /** The deliveries an event queues: one per audience and channel that can reach it. */
  function deliveriesFor(ticket: Ticket, event: TicketEvent): Delivery[] {
    return (AUDIENCES[event.type] ?? []).flatMap((audience) =>
      notifiers.reaching(ticket, audience).map(
        (channel): Delivery => ({
          id: `${ticket.id}-${event.seq}-${audience}-${channel}`,
          audience,
          channel,
          eventSeq: event.seq,
          kind: event.type,
          status: 'pending',
          attempts: 0,
          nextAttemptAt: event.at,
        }),
      ),
    );
  }

  function append(ticket: Ticket, event: Omit<TicketEvent, 'seq' | 'at'>): TicketEvent {
    const full: TicketEvent = { seq: ticket.events.length + 1, at: clock.now().toISOString(), ...event };
    ticket.events.push(full);
    ticket.updatedAt = full.at;
    ticket.outbox.push(...deliveriesFor(ticket, full));
    return full;
  }

  /**
   * Records a refusal in the audit trail, then throws it. A replayed click (the same platform event) is
   * refused again but not recorded again.
   */
  async function refuse(
    before: Ticket,
    actor: Actor,
    code: 'FORBIDDEN' | 'ILLEGAL_TRANSITION',
    message: string,
  ): Promise<never> {
    if (!alreadyRefused(before, actor)) {
      await store.update(before.id, (t) => {
        if (!alreadyRefused(t, actor))
          append(t, { type: 'refused', actor: actor.user, note: message, ...source(actor) });
      });
    }
    deps.logger?.info({ ticket: before.id, actor: actor.user, code }, 'ticket action refused');
    throw new TicketError(code, message);
  }

  async function load(id: string): Promise<Ticket> {
    const t = await store.get(id);
    if (!t) throw new TicketError('NOT_FOUND', `No ticket ${id}.`);
    return t;
  }

  type Action = keyof typeof FROM;
  async function transition(
    id: string,
    actor: Actor,
    action: Action,
    apply: (t: Ticket) => Omit<TicketEvent, 'seq' | 'at' | 'actor'>,
    allowRequester = false,
  ): Promise<Ticket> {
    const before = await load(id);
    if (alreadyApplied(before, actor)) return before;
    const isRequester = before.requester.userId === actor.user;
    if (!canWork(actor.user, before.desk) && !(allowRequester && isRequester)) {
      return refuse(
        before,
        actor,
        'FORBIDDEN',
        `${actor.user} may not ${action} ${id}: only ${deskOf(before.desk)?.name.en ?? before.desk} staff and admins can${allowRequester ? ', or the requester' : ''}.`,
      );
    }
    const notNow = (t: Ticket) =>
      refuse(
        t,
        actor,
        'ILLEGAL_TRANSITION',
        `${id} is ${t.status}${t.status === 'claimed' && t.assignee ? ` by ${t.assignee}` : ''}; it cannot be ${past(action)} now.`,
      );
    if (!FROM[action].includes(before.status)) return notNow(before);
    /** Set when another click (another replica) changed the ticket between the check and the write. */
    let overtaken: Ticket | undefined;
    const after = await store
      .update(id, (t) => {
        if (!FROM[action].includes(t.status)) {
          overtaken = structuredClone(t);
          throw new TicketError('ILLEGAL_TRANSITION', `${id} changed meanwhile; it is ${t.status}.`);
        }
        const from = t.status;
        const change = apply(t);
        append(t, {
          ...change,
          actor: actor.user,
          from,
          to: t.status,
          ...source(actor),
        });
      })
      .catch((error: unknown) => {
        // The loser of a race is refused like any late click: recorded, and told who has the ticket.
        if (overtaken && error instanceof TicketError) return notNow(overtaken);
        throw error;
      });
    deps.logger?.info({ ticket: id, action, actor: actor.user, status: after.status }, 'ticket changed');
    deps.onChange?.(after);
    return after;
  }

  return {
    canWork,
    isAdmin,
    async open(input) {
      const desk = deskOf(input.desk) ?? deskOf('general');
      if (!desk) throw new TicketError('INVALID', `Unknown desk ${input.desk}.`);
      const now = clock.now();
      const { ticket, created } = await store.createIfAbsent(input.key, (id) => {
        const t: Ticket = {
          id,
          key: input.key,
          desk: desk.id,
          status: 'open',
          assignee: null,
          requester: input.requester,
          origin: input.origin,
          packet: input.packet,
          createdAt: now.toISOString(),
          updatedAt: now.toISOString(),
          responseTargetHours: desk.responseTargetHours,
          dueAt: new Date(now.getTime() + hours(desk.responseTargetHours)).toISOString(),
          events: [],
          outbox: [],
          refs: {},
        };
        append(t, {
          type: 'created',
          actor: input.requester.userId,
          desk: desk.id,
          to: 'open',
          ...source(input),
        });
        return t;
      });
      if (created) {
        deps.logger?.info({ ticket: ticket.id, desk: ticket.desk }, 'ticket opened');
        deps.onChange?.(ticket);
      }
      return ticket;
    },
    claim(id, actor) {
      return transition(id, actor, 'claim', (t) => {
        t.status = 'claimed';
        t.assignee = actor.user;
        return { type: 'claimed', assignee: actor.user };
      });
    },
    reassign(id, desk, actor) {
      const target = deskOf(desk);
      if (!target) return Promise.reject(new TicketError('INVALID', `Unknown desk ${desk}.`));
      return transition(id, actor, 'reassign', (t) => {
        t.desk = target.id;
        t.status = 'open';
        t.assignee = null;
        t.responseTargetHours = target.responseTargetHours;
        t.dueAt = new Date(clock.now().getTime() + hours(target.responseTargetHours)).toISOString();
        return { type: 'reassigned', desk: target.id };
      });
    },
    resolve(id, actor, note) {
      return transition(id, actor, 'resolve', (t) => {
        t.status = 'resolved';
        return { type: 'resolved', ...(note ? { note } : {}) };
      });
    },
    reopen(id, actor, note) {
      return transition(id, actor, 'reopen', (t) => {
        t.status = 'reopened';
        t.assignee = null;
        return { type: 'reopened', ...(note ? { note } : {}) };
      });
    },
    close(id, actor) {
      return transition(
        id,
        actor,
        'close',
        (t) => {
          t.status = 'closed';
          return { type: 'closed' };
        },
        true,
      );
    },
    async comment(id, actor, text) {
      const before = await load(id);
      if (alreadyApplied(before, actor)) return before;
      if (!canWork(actor.user, before.desk) && before.requester.userId !== actor.user) {
        return refuse(before, actor, 'FORBIDDEN', `${actor.user} may not comment on ${id}.`);
      }
      const after = await store.update(id, (t) => {
        append(t, {
          type: 'commented',
          actor: actor.user,
          note: text,
          ...source(actor),
        });
      });
      deps.onChange?.(after);
      return after;
    },
    async get(id, viewer) {
      const t = await store.get(id);
      if (!t || viewer === undefined) return t;
      if (canWork(viewer, t.desk) || t.requester.userId === viewer) return t;
      throw new TicketError('FORBIDDEN', `${viewer} may not see ${id}.`);
    },
    list(query = {}) {
      return store.list(query);
    },
    async remind() {
      const now = clock.now().getTime();
      const reminded: Ticket[] = [];
      for (const t of await store.list({ status: AWAITING_STAFF })) {
        const interval = hours(deskOf(t.desk)?.reminderIntervalHours ?? 4);
        const due = (x: Readonly<Ticket>) => {
          const last = x.lastReminderAt ? Date.parse(x.lastReminderAt) : undefined;
          return now >= Date.parse(x.dueAt) && (last === undefined || now - last >= interval);
        };
        if (!due(t)) continue;
        let changed = false;
        // Checked again inside the write: another pass (another replica) may have reminded meanwhile.
        const after = await store.update(t.id, (d) => {
          if (!due(d) || !awaitingStaff(d)) return;
          changed = true;
          d.lastReminderAt = new Date(now).toISOString();
          append(d, { type: 'reminded', actor: 'system:reminders' });
        });
        if (!changed) continue;
        deps.onChange?.(after);
        reminded.push(after);
      }
      return reminded;
    },
  };
}

/** The platform event an action came from, for the event it records (audit trail, dedupe). */
const source = (from: { sourceEventId?: string }): Pick<TicketEvent, 'sourceEventId'> =>
  from.sourceEventId ? { sourceEventId: from.sourceEventId } : {};

/** Whether this platform event already changed the ticket: a redelivered action changes nothing. */
const alreadyApplied = (ticket: Ticket, actor: Actor) =>
  actor.sourceEventId !== undefined &&
  ticket.events.some((e) => e.sourceEventId === actor.sourceEventId && e.type !== 'refused');

/** Whether this platform event was already refused on the ticket. */
const alreadyRefused = (ticket: Ticket, actor: Actor) =>
  actor.sourceEventId !== undefined &&
  ticket.events.some((e) => e.type === 'refused' && e.sourceEventId === actor.sourceEventId);

function past(action: string): string {
  return (
    { claim: 'claimed', resolve: 'resolved', reopen: 'reopened', close: 'closed', reassign: 'reassigned' }[
      action
    ] ?? action
  );
}
