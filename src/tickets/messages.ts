import type { Desk } from '../content/types.js';
import type { ContentLang } from '../core/types.js';
import type { Ticket, TicketEvent } from './types.js';

/** The language the requester is written to in: Japanese if they asked in Japanese. */
export function requesterLang(ticket: Ticket): ContentLang {
  return ticket.packet.lang === 'ja' ? 'ja' : 'en';
}

/**
 * What the requester is told about an event, in plain text. Never includes the private details
 * (company, contact) or the staff's identities beyond the desk: it may be posted in a shared channel.
 */
export function requesterMessage(ticket: Ticket, event: TicketEvent, desk: Desk | undefined): string {
  const lang = requesterLang(ticket);
  const name = desk?.name[lang] ?? ticket.desk;
  const note = event.note
    ? lang === 'ja'
      ? `\n担当者より: ${event.note}`
      : `\nFrom the desk: ${event.note}`
    : '';
  const ja: Partial<Record<TicketEvent['type'], string>> = {
    created: `${name}がご依頼 ${ticket.id} を受け付けました。${ticket.responseTargetHours}時間以内を目安に担当者からご連絡します。`,
    claimed: `${ticket.id}: ${name}の担当者が対応を開始しました。`,
    reassigned: `${ticket.id}: より適切な窓口（${name}）に引き継ぎました。`,
    resolved: `${ticket.id}: ${name}が対応を完了しました。${note}`,
    reopened: `${ticket.id}: 対応を再開しました。`,
    closed: `${ticket.id}: ご依頼をクローズしました。`,
    commented: `${ticket.id}: ${name}からの返信${note}`,
  };
  const en: Partial<Record<TicketEvent['type'], string>> = {
    created: `${name} has your request ${ticket.id}. They aim to respond within ${ticket.responseTargetHours} hours.`,
    claimed: `${ticket.id}: someone at ${name} is now working on your request.`,
    reassigned: `${ticket.id}: your request was passed to ${name}, who can help better.`,
    resolved: `${ticket.id}: ${name} has resolved your request.${note}`,
    reopened: `${ticket.id}: your request was reopened.`,
    closed: `${ticket.id}: your request is closed.`,
    commented: `${ticket.id}: a reply from ${name}.${note}`,
  };
  return (lang === 'ja' ? ja : en)[event.type] ?? `${ticket.id}: ${event.type}`;
}

/** A one-line summary for the desk's channel and logs. */
export function deskMessage(ticket: Ticket, event: TicketEvent): string {
  const what: Partial<Record<TicketEvent['type'], string>> = {
    created: `New request ${ticket.id} (${ticket.packet.lang}, ${ticket.packet.scheme ?? 'no programme'}): ${oneLine(ticket.packet.text)}`,
    claimed: `${ticket.id} claimed by ${event.actor}`,
    reassigned: `${ticket.id} reassigned to ${ticket.desk} by ${event.actor}`,
    resolved: `${ticket.id} resolved by ${event.actor}${event.note ? `: ${oneLine(event.note)}` : ''}`,
    reopened: `${ticket.id} reopened by ${event.actor}`,
    closed: `${ticket.id} closed by ${event.actor}`,
    reminded: `${ticket.id} is unclaimed past its ${ticket.responseTargetHours}-hour response target`,
  };
  return what[event.type] ?? `${ticket.id}: ${event.type}`;
}

function oneLine(text: string, max = 140): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}
