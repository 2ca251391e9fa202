import type { UserRef } from '../core/types.js';

/**
 * Display names of the people the bot has heard from, so cards say "Claimed by Aiko Sato" rather than
 * a raw platform id. Names come with each platform event; the directory is bounded and in memory
 * (after a restart a name comes back with the person's next click).
 */
export interface People {
  note(user: UserRef, name: string | undefined): void;
  nameOf(user: UserRef): string | undefined;
}

export function createPeople(max = 10_000): People {
  const names = new Map<UserRef, string>();
  return {
    note(user, name) {
      const clean = name?.trim().slice(0, 100);
      if (!clean || names.get(user) === clean) return;
      names.delete(user);
      names.set(user, clean);
      if (names.size > max) names.delete(names.keys().next().value as UserRef);
    },
    nameOf: (user) => names.get(user),
  };
}
