export type TicketErrorCode = 'NOT_FOUND' | 'ILLEGAL_TRANSITION' | 'FORBIDDEN' | 'INVALID';
export type StoreErrorCode =
  | 'STORE_LOCKED'
  | 'STORE_CORRUPT'
  | 'STORE_UNREADABLE'
  | 'STORE_WRITE_FAILED'
  | 'STORE_CLOSED';

/** A refused ticket action; `message` is written for the person who asked. */
export class TicketError extends Error {
  constructor(
    readonly code: TicketErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'TicketError';
  }
}

/** The ticket file cannot be used; `message` names the file and what to do. */
export class TicketStoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TicketStoreError';
  }
}
