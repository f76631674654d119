// Which renders may still store their result: one that started before its image's last
// purge (a delete, a replace, a PPOI change) must not leave a file behind.

export interface RenderTicket {
  readonly startedAt: number;
  /** The render is over (stored or not): its start no longer needs remembering. */
  end(): void;
}

export interface PurgeClock {
  begin(): RenderTicket;
  purged(path: string): void;
  /** Every path purged at once (the whole cache emptied). */
  purgedAll(): void;
  stillWanted(path: string, ticket: RenderTicket): boolean;
  /** Paths remembered now (bounded by the purges since the oldest render in flight). */
  readonly size: number;
}

export function createPurgeClock(): PurgeClock {
  let epoch = 0;
  let allPurgedAt = 0;
  const purgedAt = new Map<string, number>();
  const inFlight = new Set<RenderTicket>();

  /** Forgets purges no render in flight can be affected by (all, when none runs). */
  function prune(): void {
    if (inFlight.size === 0) {
      purgedAt.clear();
      return;
    }
    const oldest = Math.min(...[...inFlight].map((ticket) => ticket.startedAt));
    for (const [path, at] of purgedAt) if (at <= oldest) purgedAt.delete(path);
  }

  return {
    begin() {
      const ticket: RenderTicket = {
        startedAt: epoch,
        end() {
          inFlight.delete(ticket);
          if (inFlight.size === 0 || purgedAt.size > 1024) prune();
        },
      };
      inFlight.add(ticket);
      return ticket;
    },
    purged(path) {
      epoch += 1;
      purgedAt.set(path, epoch);
      if (inFlight.size === 0) purgedAt.clear();
    },
    purgedAll() {
      epoch += 1;
      allPurgedAt = epoch;
    },
    stillWanted(path, ticket) {
      return Math.max(purgedAt.get(path) ?? 0, allPurgedAt) <= ticket.startedAt;
    },
    get size() {
      return purgedAt.size;
    },
  };
}
