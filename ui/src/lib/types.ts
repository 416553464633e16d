// Shapes of the JSON the server speaks (see docs/api.md and minwon.go).
// Optional fields are those the Go side marks omitempty.

export type Role = 'counselor' | 'supervisor' | 'admin' | 'department';
export type AgentState = 'offline' | 'available' | 'busy' | 'acw' | 'break' | 'away';
export type Channel = 'chat' | 'voice' | 'sms' | 'video';
export type ContactState = 'bot' | 'queued' | 'offered' | 'active' | 'wrapup' | 'closed' | 'abandoned';
export type Sender = 'citizen' | 'agent' | 'bot' | 'system' | 'whisper';
export type HandoffState = 'open' | 'accepted' | 'done';
export type Resolution = 'resolved' | 'handoff' | 'bot';

export interface Tenant {
  id: string;
  parent_id?: string;
  name: string;
  kind: 'city' | 'district' | 'client';
  entry_points: string[] | null;
  default_queue: string;
  /** The self-service bot answers this tenant's Korean web chats first. */
  bot?: boolean;
  created_at?: string;
  /** Days call recordings are kept after the call; 0 or absent: the server's default. */
  recording_days?: number;
}

export interface Department {
  id: string;
  tenant_id: string;
  name: string;
  phone?: string;
  sip_uri?: string;
}

export interface Queue {
  id: string;
  tenant_id: string;
  name: string;
  skills: string[] | null;
  priority: number;
  overflow_queue?: string;
  overflow_after_ns?: number;
  offer_timeout_ns: number;
  service_level_ns: number;
}

export interface User {
  id: string;
  tenant_id: string;
  login: string;
  name: string;
  roles: Role[] | null;
  department_id?: string;
  skills: string[] | null;
  capacity: Partial<Record<Channel, number>> | null;
  disabled: boolean;
  created_at?: string;
  password?: string; // only ever sent, never returned
  sip_password?: string; // the desk phone's SIP password: only ever sent, never returned
}

export interface Contact {
  id: string;
  tenant_id: string;
  queue_id: string;
  channel: Channel;
  state: ContactState;
  entry_point: string;
  citizen_id: string;
  citizen_name?: string;
  language: string;
  priority: number;
  agent_id?: string;
  created_at: string;
  answered_at?: string;
  ended_at?: string;
  closed_at?: string;
  category?: string;
  resolution?: Resolution;
  department_id?: string;
  summary?: string;
  memo?: string;
  rating?: number;
  rating_comment?: string;
}

export interface Message {
  id: string;
  contact_id: string;
  seq: number;
  from: Sender;
  author_id?: string;
  text: string;
  client_id?: string;
  at: string;
  /** Staff view of a line the protection engine flagged: text is masked (●). */
  masked?: boolean;
  incident_id?: string;
}

export interface ContactWithMessages {
  contact: Contact;
  messages: Message[] | null;
  /** Why the self-service bot handed the contact over, and what it suggested. */
  bot?: BotHandoff;
  /** Counselor protection: the caller is flagged; shown above the chat. */
  banner?: string;
  /** The caller asked to be called back: a task for the counselor who accepts. */
  callback?: Callback;
  /** A supervisor on the call, and how: the counselor's desk shows it. */
  coach?: Coach;
  /** The interpreter brought into the call, ringing or joined. */
  interpreter?: Conference;
}

export type CoachMode = 'listen' | 'whisper' | 'barge';

/** A supervisor coaching a live call from their phone. */
/** A member of a tenant's interpreter pool (interpreter.go). */
export interface Interpreter {
  id: string;
  tenant_id: string;
  name: string;
  languages: string[];
  user_id?: string;
  address?: string;
  disabled?: boolean;
}

/** The interpreter brought into a live call, ringing or joined. */
export interface Conference {
  id: string;
  language: string;
  interpreter_id?: string;
  interpreter_name?: string;
  joined?: boolean;
}

/** The conference.* events, as the desk socket forwards them. */
export type ConferenceEvent = 'conference.requested' | 'conference.joined' | 'conference.left' | 'conference.failed';

/** How an interpreter's part in a call ended (conference.left or conference.failed). */
export interface ConferenceEnded {
  id: string;
  language: string;
  /** left: dropped, hung_up, contact_ended, transferred; failed: no_interpreter, no_answer, busy, unreachable, cancelled, contact_ended. */
  reason: string;
  left: boolean;
}

/** A language a counselor can ask an interpreter for, and how many are free. */
export interface InterpreterLanguage {
  language: string;
  free: number;
}

export interface Coach {
  supervisor: string;
  mode: CoachMode;
}

/** A callback task on a voice contact (center/callback.go). */
export interface Callback {
  number: string;
  requested_at: string;
  status: 'waiting' | 'completed' | 'failed';
  notes?: string;
  /** The center placed the outbound call; otherwise the counselor dials. */
  dialled?: boolean;
}

/** A knowledge-base article the bot offers, with its score (0..1). */
export interface Suggestion {
  article_id: string;
  title: string;
  score: number;
  snippet?: string;
}

export interface BotHandoff {
  reason: string;
  suggestions: Suggestion[] | null;
}

export interface Handoff {
  id: string;
  tenant_id: string;
  contact_id: string;
  department_id: string;
  summary: string;
  note?: string;
  state: HandoffState;
  created_by: string;
  created_at: string;
  updated_at: string;
  reply?: string;
  // The list may carry the contact (or parts of it) alongside.
  contact?: Partial<Contact>;
}

export interface Notice {
  id: string;
  tenant_id: string;
  title: string;
  body: string;
  author_id: string;
  created_at: string;
  expires_at: string;
  read_by: string[] | null;
}

export interface AgentStatus {
  state: AgentState;
  reason?: string;
  since: string;
  /** While in after-contact work: when the server makes the agent ready again. */
  acw_until?: string | null;
}

export interface Me {
  user: User;
  csrf: string;
  agent?: AgentStatus | null;
}

export interface Reference {
  tenants: Tenant[] | null;
  queues: Queue[] | null;
  departments: Department[] | null;
  categories: string[] | null;
  break_reasons: string[] | null;
  agents: { id: string; name: string; skills: string[] | null }[] | null;
}

export interface KBHit {
  id: string;
  title: string;
  snippet: string;
  /** Matches of the query, in UTF-16 offsets into snippet and title. */
  highlights?: { start: number; end: number }[];
  title_highlights?: { start: number; end: number }[];
  category?: string;
  department?: string;
}

/** One version of a knowledge-base article (minwon.ArticleVersion). */
export interface KBVersion {
  article_id: string;
  tenant_id: string;
  version: number;
  title: string;
  body: string;
  category: string;
  department: string;
  tags: string[];
  questions: string[];
  valid_from?: string;
  valid_to?: string;
  state: 'draft' | 'pending' | 'published' | 'rejected' | 'superseded' | 'retired';
  author_id: string;
  created_at: string;
  submitted_at?: string;
  decided_by?: string;
  decided_at?: string;
  note?: string;
}

/** An article's head (minwon.Article): the live version and any open draft. */
export interface KBRecord {
  id: string;
  tenant_id: string;
  live_version: number;
  latest_version: number;
  retired: boolean;
  updated_at: string;
  published_at?: string;
  current: KBVersion | null;
  draft?: KBVersion;
}

// An article's exact shape is the server's; these are the fields we look for.
export interface KBArticle {
  id: string;
  title: string;
  body?: string;
  text?: string;
  content?: string;
  category?: string;
  department?: string;
  updated_at?: string;
  /** The short answer the bot would give from this article to ?q=. */
  short?: string;
}

export interface BoardAgent {
  id: string;
  name: string;
  state: AgentState;
  reason?: string;
  since: string;
  connected: boolean;
  contacts: number;
  handled: number;
}

export interface BoardQueue {
  id: string;
  name: string;
  waiting: number;
  longest_wait_secs: number;
  ready_agents: number;
}

export interface BoardToday {
  offered: number;
  answered: number;
  abandoned: number;
  answered_in_sl: number;
  service_level: number;
  answer_rate: number;
  bot?: number;
  bot_resolved?: number;
  bot_handoffs?: number;
  bot_left?: number;
  self_service_rate?: number;
}

export interface BoardHour {
  hour: number;
  offered: number;
  answered: number;
  abandoned: number;
}

export interface BoardLive {
  contact_id: string;
  queue_id: string;
  agent_id?: string;
  state: ContactState;
  channel: Channel;
  since: string;
  /** The interpreter brought into the call (board/board.go). */
  interpreter?: { name: string; language: string; joined: boolean };
}

export interface BoardNotice {
  id: string;
  title: string;
  expires_at: string;
  unread: string[] | null;
}

export interface Board {
  at: string;
  sl_threshold_secs: number;
  agents: BoardAgent[] | null;
  queues: BoardQueue[] | null;
  today: BoardToday;
  hourly: BoardHour[] | null;
  live: BoardLive[] | null;
  notices: BoardNotice[] | null;
  /** Counselors on a protective break after an incident, newest first. */
  alerts?: BoardAlert[] | null;
}

export interface BoardAlert {
  agent_id: string;
  name: string;
  incident_id: string;
  type: string;
  since: string;
  until: string;
}

export interface StoredEvent {
  seq: number;
  id: string;
  type: string;
  tenant_id?: string;
  at: string;
  actor_id?: string;
  contact_id?: string;
  agent_id?: string;
  queue_id?: string;
  data?: unknown;
}

// Frames on /ws/desk (server → desk).
export type DeskFrame =
  | ({ type: 'state' } & AgentStatus)
  | { type: 'offer'; contact: Contact; expires_at?: string; callback?: Callback }
  | { type: 'offer_withdrawn'; contact_id: string }
  | { type: 'contact'; contact: Contact }
  | { type: 'message'; message: Message }
  | { type: 'typing'; contact_id: string }
  | { type: 'agitation'; contact_id: string; at: string; score: number }
  | { type: 'call_connected'; contact_id: string; at: string }
  // mode is empty once the supervisor has left the call.
  | { type: 'coach'; contact_id: string; supervisor: string; mode: CoachMode | '' }
  | { type: 'transfer_ring'; contact_id: string; ringing: boolean }
  | { type: 'interpreter_ring'; contact_id: string; ringing: boolean; language: string }
  | { type: 'conference'; contact_id: string; event: ConferenceEvent; data: Conference & { reason?: string } }
  | { type: 'notice'; notice: Notice }
  | { type: 'ping' }
  | { type: 'softphone'; on: boolean }
  | { type: 'error'; code?: string; message?: string; client_id?: string };

// Frames on /ws/chat (server → citizen).
export type ChatFrame =
  | {
      type: 'welcome';
      contact_id: string;
      resume: string;
      tenant_name?: string;
      state?: ContactState;
      messages: Message[] | null;
    }
  | { type: 'queue'; position: number; wait_secs: number }
  | { type: 'agent'; name?: string }
  | { type: 'message'; message: Message }
  | { type: 'typing' }
  | { type: 'transferred' }
  | { type: 'ended'; by_bot?: boolean; survey?: boolean }
  | { type: 'bot'; kind: string; reply_to: number; options: Suggestion[] | null; feedback: boolean }
  | { type: 'queued' }
  | { type: 'rated' }
  | { type: 'pong' }
  | { type: 'error'; code?: string; message?: string; client_id?: string };
