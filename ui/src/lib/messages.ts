import type { Message } from './types';

/** A message typed here, shown until the server's copy (same client_id) arrives. */
export interface Pending {
  client_id: string;
  text: string;
  at: number;
  failed?: boolean;
}

/** Adds messages to a transcript: unique by id (and by client_id), ordered by seq. */
export function mergeMessages(list: Message[], add: (Message | null | undefined)[]): Message[] {
  const fresh = add.filter((m): m is Message => !!m && !!m.id);
  if (fresh.length === 0) return list;
  const byId = new Map(list.map((m) => [m.id, m]));
  let changed = false;
  for (const m of fresh) {
    const old = byId.get(m.id);
    if (old && old.seq === m.seq && old.text === m.text) continue;
    byId.set(m.id, m);
    changed = true;
  }
  if (!changed) return list;
  return [...byId.values()].sort((a, b) => a.seq - b.seq || a.at.localeCompare(b.at));
}

/** Drops the pending entries whose echo is now in the transcript. */
export function settlePending(pending: Pending[], msgs: (Message | null | undefined)[]): Pending[] {
  const ids = new Set(msgs.map((m) => m?.client_id).filter(Boolean));
  if (ids.size === 0) return pending;
  const out = pending.filter((p) => !ids.has(p.client_id));
  return out.length === pending.length ? pending : out;
}
