import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Me, Reference, Role, User } from '../lib/types';

export interface SessionValue {
  me: Me;
  ref: Reference;
  reloadRef(): void;
}

export const SessionContext = createContext<SessionValue | null>(null);

export function useSession(): SessionValue {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside a session');
  return s;
}

/** Mirrors User.HasRole on the server: admins hold every role but department. */
export function hasRole(u: User | undefined | null, r: Role): boolean {
  const roles = u?.roles ?? [];
  return roles.some((have) => have === r || (have === 'admin' && r !== 'department'));
}

export type Page = 'desk' | 'board' | 'admin' | 'handoffs' | 'kb' | 'protect' | 'policy' | 'ivr';

export const homeOf: Record<Role, Page> = {
  counselor: 'desk',
  supervisor: 'board',
  admin: 'admin',
  department: 'handoffs',
};

/** The page a user lands on after login: the home of their first role. */
export function home(u: User): Page {
  const first = (u.roles ?? [])[0];
  return first ? homeOf[first] : 'desk';
}

export function pagesOf(u: User): Page[] {
  const out: Page[] = [];
  if (hasRole(u, 'counselor')) out.push('desk');
  if (hasRole(u, 'supervisor')) out.push('board');
  if (hasRole(u, 'admin')) out.push('admin');
  if (hasRole(u, 'department')) out.push('handoffs');
  // Counselors and supervisors write the knowledge base; supervisors approve.
  if (hasRole(u, 'counselor') || hasRole(u, 'supervisor')) out.push('kb');
  if (hasRole(u, 'supervisor')) out.push('protect');
  // Supervisors read the protection policy; admins edit it.
  if (hasRole(u, 'supervisor')) out.push('policy');
  // Supervisors set the phone line's notices; admins its hours.
  if (hasRole(u, 'supervisor')) out.push('ivr');
  return out;
}

export function go(hash: string): void {
  if (location.hash !== hash) location.hash = hash;
}

/** Name lookups over the reference data. */
export function names(ref: Reference) {
  const q = new Map((ref.queues ?? []).map((x) => [x.id, x.name]));
  const d = new Map((ref.departments ?? []).map((x) => [x.id, x.name]));
  const a = new Map((ref.agents ?? []).map((x) => [x.id, x.name]));
  const tn = new Map((ref.tenants ?? []).map((x) => [x.id, x.name]));
  return {
    queue: (id?: string) => (id ? (q.get(id) ?? id) : ''),
    department: (id?: string) => (id ? (d.get(id) ?? id) : ''),
    agent: (id?: string) => (id ? (a.get(id) ?? id) : ''),
    tenant: (id?: string) => (id ? (tn.get(id) ?? id) : ''),
  };
}
