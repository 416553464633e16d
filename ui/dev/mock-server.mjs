// A throwaway stand-in for the Go server, to click through the UI before the
// real one exists: node dev/mock-server.mjs [port]  (default 8080), then open
// http://127.0.0.1:8080/ (staff; logins kim, lee, admin, dept; password "pw")
// and http://127.0.0.1:8080/chat/seoul (citizen). It serves dist/ (run
// `npm run build` first) and speaks a good-enough subset of docs/api.md,
// WebSockets included, with Node's standard library only. Not shipped: the
// build never reads dev/, and nothing here is meant to be right beyond that.
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const port = Number(process.argv[2] ?? 8080);
const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const id = () => randomBytes(8).toString('hex');
const now = () => new Date().toISOString();

// --- data --------------------------------------------------------------------
const tenants = [{ id: 'seoul', name: '서울시 120다산콜', kind: 'city', entry_points: ['seoul'], default_queue: 'q-general', created_at: now() }];
const departments = [
  { id: 'd-traffic', tenant_id: 'seoul', name: '교통정책과', phone: '02-2133-0000' },
  { id: 'd-parking', tenant_id: 'seoul', name: '주차계획과' },
];
const queues = [
  { id: 'q-general', tenant_id: 'seoul', name: '일반 상담', skills: [], priority: 0, offer_timeout_ns: 20e9, service_level_ns: 20e9 },
  { id: 'q-en', tenant_id: 'seoul', name: '외국어(영어)', skills: ['lang:en'], priority: 1, offer_timeout_ns: 20e9, service_level_ns: 20e9 },
];
const mkUser = (id, login, name, roles, extra = {}) => ({ id, tenant_id: 'seoul', login, name, roles, skills: [], capacity: { chat: 3, voice: 1 }, disabled: false, created_at: now(), ...extra });
const users = [
  mkUser('u-kim', 'kim', '김상담', ['counselor']),
  mkUser('u-park', 'park', '박상담', ['counselor']),
  mkUser('u-lee', 'lee', '이팀장', ['supervisor', 'counselor']),
  mkUser('u-admin', 'admin', '관리자', ['admin']),
  mkUser('u-dept', 'dept', '교통과 담당', ['department'], { department_id: 'd-traffic' }),
];
const agents = new Map(users.map((u) => [u.id, { state: 'offline', reason: '', since: now() }]));
agents.set('u-park', { state: 'break', reason: 'meal', since: new Date(Date.now() - 1800e3).toISOString() });
const sessions = new Map(); // token -> {userId, csrf}
const contacts = new Map();
const messages = new Map(); // contactId -> []
const monitors = new Map(); // contactId -> Set(userId)
const resumes = new Map(); // token -> contactId
const offerTimers = new Map(); // contactId -> timeout
const handoffs = [];
const notices = [
  { id: 'n1', tenant_id: 'seoul', title: '설 연휴 당번 병원 안내', body: '연휴 기간 당번 병원·약국 문의가 많습니다.\n지식 검색에서 "당번"으로 찾으세요.', author_id: 'u-lee', created_at: now(), expires_at: new Date(Date.now() + 86400e3).toISOString(), read_by: [] },
];
const events = [];
let eventSeq = 0;
const log = (type, extra = {}) => events.push({ seq: ++eventSeq, id: id(), type, tenant_id: 'seoul', at: now(), ...extra });
const hourly = Array.from({ length: 24 }, (_, hour) => {
  const o = hour >= 6 && hour <= new Date().getHours() ? Math.round(20 + 30 * Math.random()) : 0;
  const a = Math.round(o * 0.9);
  return { hour, offered: o, answered: a, abandoned: o - a };
});
const kb = [
  { id: 'kb1', title: '공영주차장 요금 안내', snippet: '구청 공영주차장 요금은 5분당 250원부터…', body: '공영주차장 요금\n- 1급지: 5분당 500원\n- 2급지: 5분당 250원\n경차·저공해차 50% 감면.', category: '주차', department: '주차계획과' },
  { id: 'kb2', title: '설 연휴 당번 병원·약국', snippet: '연휴 기간 문 여는 병원과 약국은…', body: '응급의료포털(e-gen) 또는 129/120에서 안내합니다.', category: '보건', department: '보건정책과' },
];

// --- WebSocket (RFC 6455, text frames only) ----------------------------------
function wsAccept(req, socket) {
  const key = req.headers['sec-websocket-key'];
  const accept = createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
  const conn = { socket, onmessage: () => {}, onclose: () => {}, open: true };
  let buf = Buffer.alloc(0);
  socket.on('data', (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      if (buf.length < 2) return;
      const op = buf[0] & 0x0f;
      let len = buf[1] & 0x7f;
      let off = 2;
      if (len === 126) { if (buf.length < 4) return; len = buf.readUInt16BE(2); off = 4; }
      else if (len === 127) { if (buf.length < 10) return; len = Number(buf.readBigUInt64BE(2)); off = 10; }
      const masked = buf[1] & 0x80;
      const need = off + (masked ? 4 : 0) + len;
      if (buf.length < need) return;
      const mask = masked ? buf.subarray(off, off + 4) : null;
      const data = Buffer.from(buf.subarray(off + (masked ? 4 : 0), need));
      if (mask) for (let i = 0; i < data.length; i++) data[i] ^= mask[i & 3];
      buf = buf.subarray(need);
      if (op === 1) { try { conn.onmessage(JSON.parse(data.toString('utf8'))); } catch (e) { console.error(e); } }
      else if (op === 8) { socket.end(); }
      else if (op === 9) { socket.write(Buffer.concat([Buffer.from([0x8a, data.length]), data])); }
    }
  });
  const done = () => { if (conn.open) { conn.open = false; conn.onclose(); } };
  socket.on('close', done);
  socket.on('error', done);
  conn.send = (obj) => {
    if (!conn.open) return;
    const p = Buffer.from(JSON.stringify(obj));
    let head;
    if (p.length < 126) head = Buffer.from([0x81, p.length]);
    else if (p.length < 65536) { head = Buffer.alloc(4); head[0] = 0x81; head[1] = 126; head.writeUInt16BE(p.length, 2); }
    else { head = Buffer.alloc(10); head[0] = 0x81; head[1] = 127; head.writeBigUInt64BE(BigInt(p.length), 2); }
    socket.write(Buffer.concat([head, p]));
  };
  return conn;
}

const desks = new Map(); // userId -> Set(conn)
const boards = new Set();
const chats = new Map(); // contactId -> Set(conn)
const toDesk = (uid, f) => desks.get(uid)?.forEach((c) => c.send(f));
const toChat = (cid, f) => chats.get(cid)?.forEach((c) => c.send(f));

function setAgent(uid, state, reason = '') {
  const a = { state, reason, since: now() };
  agents.set(uid, a);
  toDesk(uid, { type: 'state', ...a });
  log('agent.state', { agent_id: uid, actor_id: uid, data: { state, reason } });
  changed();
}

function contactChanged(c) {
  if (c.agent_id) toDesk(c.agent_id, { type: 'contact', contact: c });
  for (const u of monitors.get(c.id) ?? []) toDesk(u, { type: 'contact', contact: c });
  changed();
}

function addMessage(c, from, text, extra = {}) {
  const list = messages.get(c.id);
  if (extra.client_id) {
    const dup = list.find((m) => m.client_id === extra.client_id && m.from === from);
    if (dup) return dup;
  }
  const m = { id: id(), contact_id: c.id, seq: list.length + 1, from, text, at: now(), ...extra };
  list.push(m);
  if (from !== 'whisper') toChat(c.id, { type: 'message', message: m });
  if (c.agent_id) toDesk(c.agent_id, { type: 'message', message: m });
  for (const u of monitors.get(c.id) ?? []) if (u !== c.agent_id) toDesk(u, { type: 'message', message: m });
  log('message.sent', { contact_id: c.id, data: m });
  return m;
}

const activeOf = (uid) => [...contacts.values()].filter((c) => c.agent_id === uid && ['offered', 'active'].includes(c.state)).length;

function route() {
  const waiting = [...contacts.values()].filter((c) => c.state === 'queued').sort((a, b) => a.created_at.localeCompare(b.created_at));
  waiting.forEach((c, i) => toChat(c.id, { type: 'queue', position: i + 1, wait_secs: (i + 1) * 60 }));
  for (const c of waiting) {
    const uid = [...agents.entries()].find(([u, a]) => ['available', 'busy'].includes(a.state) && desks.get(u)?.size && activeOf(u) < 3)?.[0];
    if (!uid) return;
    c.state = 'offered';
    c.agent_id = uid;
    const expires_at = new Date(Date.now() + 20e3).toISOString();
    toDesk(uid, { type: 'offer', contact: c, expires_at });
    offerTimers.set(c.id, setTimeout(() => {
      if (c.state !== 'offered') return;
      c.state = 'queued';
      const old = c.agent_id;
      delete c.agent_id;
      toDesk(old, { type: 'contact', contact: c });
      setAgent(old, 'away', 'missed');
      route();
    }, 20e3));
  }
  changed();
}

function board() {
  const all = [...contacts.values()];
  const off = hourly.reduce((s, h) => s + h.offered, 0) + all.length;
  const ans = hourly.reduce((s, h) => s + h.answered, 0) + all.filter((c) => c.answered_at).length;
  const ab = hourly.reduce((s, h) => s + h.abandoned, 0) + all.filter((c) => c.state === 'abandoned').length;
  return {
    at: now(),
    sl_threshold_secs: 20,
    agents: users.filter((u) => u.roles.some((r) => r === 'counselor' || r === 'supervisor')).map((u) => ({ id: u.id, name: u.name, ...agents.get(u.id), connected: !!desks.get(u.id)?.size, contacts: activeOf(u.id), handled: 12 + u.name.length })),
    queues: queues.map((q) => {
      const w = all.filter((c) => c.state === 'queued' && c.queue_id === q.id);
      return { id: q.id, name: q.name, waiting: w.length, longest_wait_secs: w.length ? Math.round((Date.now() - Date.parse(w[0].created_at)) / 1000) : 0, ready_agents: [...agents.values()].filter((a) => a.state === 'available').length };
    }),
    today: { offered: off, answered: ans, abandoned: ab, answered_in_sl: Math.round(ans * 0.8), service_level: off ? (ans * 0.8) / off : 0, answer_rate: off ? ans / off : 0 },
    hourly,
    live: all.filter((c) => ['queued', 'offered', 'active', 'wrapup'].includes(c.state)).map((c) => ({ contact_id: c.id, queue_id: c.queue_id, agent_id: c.agent_id, state: c.state, channel: c.channel, since: c.answered_at ?? c.created_at })),
    notices: notices.map((n) => ({ id: n.id, title: n.title, expires_at: n.expires_at, unread: users.filter((u) => u.roles.includes('counselor') && !n.read_by.includes(u.id)).map((u) => u.name) })),
  };
}
let boardTimer = null;
function changed() {
  if (boardTimer) return;
  boardTimer = setTimeout(() => {
    boardTimer = null;
    const b = board();
    boards.forEach((c) => c.send({ type: 'board', board: b }));
  }, 250);
}

// --- HTTP ----------------------------------------------------------------------
const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml' };

function cookieToken(req) {
  return /(?:^|;\s*)minwon_session=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
}
function sessionOf(req) {
  const s = sessions.get(cookieToken(req));
  return s ? { ...s, user: users.find((u) => u.id === s.userId) } : null;
}

async function handle(req, res) {
  const url = new URL(req.url, 'http://x');
  const p = url.pathname;
  const send = (status, body) => {
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(body === undefined ? '' : JSON.stringify(body));
  };
  const fail = (status, code, message) => send(status, { error: { code, message } });

  if (!p.startsWith('/api/')) {
    let file = p === '/' ? 'index.html' : /^\/chat\/[^/]+\/?$/.test(p) ? 'chat.html' : normalize(p).replace(/^[/\\]+/, '');
    if (p === '/demo') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      return res.end(`<!doctype html><meta charset=utf-8><title>구청 누리집</title><body style="font-family:sans-serif;background:#f6f1e7"><h1>○○구청 누리집</h1><p>시 누리집에 포함한 embed.js 예시</p><script src="/embed.js" data-entry="seoul"></script>`);
    }
    try {
      const body = await readFile(join(dist, file));
      res.writeHead(200, { 'Content-Type': types[extname(file)] ?? 'application/octet-stream' });
      return res.end(body);
    } catch {
      res.writeHead(404);
      return res.end('not found');
    }
  }

  let body = {};
  if (req.method !== 'GET') {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    try { body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {}; } catch { return fail(400, 'invalid', 'bad JSON'); }
  }

  if (p === '/api/login' && req.method === 'POST') {
    const u = users.find((x) => x.login === body.login);
    if (!u || body.password !== 'pw') return fail(401, 'unauthorized', '아이디 또는 비밀번호가 틀렸습니다');
    const token = id(), csrf = id();
    sessions.set(token, { userId: u.id, csrf });
    res.setHeader('Set-Cookie', `minwon_session=${token}; HttpOnly; SameSite=Strict; Path=/`);
    log('session.created', { actor_id: u.id });
    return send(200, { user: u, csrf });
  }
  const s = sessionOf(req);
  if (!s) return fail(401, 'unauthorized', 'login required');
  if (req.method !== 'GET' && req.headers['x-csrf-token'] !== s.csrf) return fail(403, 'forbidden', 'CSRF token missing or wrong');
  const me = s.user;
  let m;

  if (p === '/api/logout') { sessions.delete(cookieToken(req)); return send(204); }
  if (p === '/api/me') return send(200, { user: me, csrf: s.csrf, agent: agents.get(me.id) });
  if (p === '/api/reference') return send(200, { tenants, queues, departments, categories: ['교통', '주차', '환경', '세무', '복지', '보건', '민원서류', '주택건축', '안전', '상하수도', '문화체육', '생활', '기타'], break_reasons: ['meal', 'rest', 'training', 'meeting', 'coaching', 'protective'], agents: users.filter((u) => u.roles.includes('counselor')).map((u) => ({ id: u.id, name: u.name, skills: u.skills })) });
  if (p === '/api/agent/state') {
    if (!['available', 'break', 'away', 'offline'].includes(body.state)) return fail(400, 'invalid', 'unknown state');
    if (body.state === 'break' && !body.reason) return fail(400, 'invalid', '휴식 사유를 고르세요');
    setAgent(me.id, activeOf(me.id) && body.state === 'available' ? 'busy' : body.state, body.state === 'break' ? body.reason : '');
    route();
    return send(200, agents.get(me.id));
  }
  if (p === '/api/agent/contacts') return send(200, [...contacts.values()].filter((c) => c.agent_id === me.id && ['offered', 'active', 'wrapup'].includes(c.state)).map((c) => ({ contact: c, messages: messages.get(c.id) })));
  if (p === '/api/kb/search') { const q = url.searchParams.get('q') ?? ''; return send(200, kb.filter((a) => (a.title + a.body).includes(q) || q === '*').map(({ body: _b, ...h }) => h)); }
  if ((m = p.match(/^\/api\/kb\/articles\/(.+)$/))) { const a = kb.find((x) => x.id === m[1]); return a ? send(200, a) : fail(404, 'not_found', 'no such article'); }
  if (p === '/api/notices' && req.method === 'GET') return send(200, notices);
  if (p === '/api/notices') {
    if (!body.title) return fail(400, 'invalid', '제목이 없습니다');
    const n = { id: id(), tenant_id: 'seoul', title: body.title, body: body.body ?? '', author_id: me.id, created_at: now(), expires_at: body.expires_at, read_by: [] };
    notices.unshift(n);
    desks.forEach((_, uid) => toDesk(uid, { type: 'notice', notice: n }));
    changed();
    return send(200, n);
  }
  if ((m = p.match(/^\/api\/notices\/([^/]+)\/read$/))) { const n = notices.find((x) => x.id === m[1]); if (n && !n.read_by.includes(me.id)) n.read_by.push(me.id); changed(); return send(204); }
  if (p === '/api/board') return send(200, board());
  if (p === '/api/events') { const after = Number(url.searchParams.get('after') ?? 0); const limit = Number(url.searchParams.get('limit') ?? 100); return send(200, events.filter((e) => e.seq > after).slice(0, limit)); }
  if ((m = p.match(/^\/api\/(tenants|departments|queues|users)(?:\/([^/]+))?$/))) {
    const list = { tenants, departments, queues, users }[m[1]];
    if (req.method === 'GET') return send(200, list);
    if (req.method === 'POST') { const o = { ...body, id: body.id || id() }; delete o.password; list.push(o); log(`${m[1].slice(0, -1)}.saved`, { actor_id: me.id, data: o }); return send(200, o); }
    const i = list.findIndex((x) => x.id === m[2]);
    if (i < 0) return fail(404, 'not_found', 'no such thing');
    list[i] = { ...body, id: m[2] };
    delete list[i].password;
    return send(200, list[i]);
  }
  if (p === '/api/handoffs') return send(200, handoffs.filter((h) => (!url.searchParams.get('state') || h.state === url.searchParams.get('state')) && (me.roles.includes('admin') || h.department_id === me.department_id)).map((h) => ({ ...h, contact: { category: contacts.get(h.contact_id)?.category } })));
  if ((m = p.match(/^\/api\/handoffs\/([^/]+)$/))) {
    const h = handoffs.find((x) => x.id === m[1]);
    if (!h) return fail(404, 'not_found', 'no such hand-off');
    if (req.method === 'GET') return send(200, { handoff: h, contact: contacts.get(h.contact_id), messages: messages.get(h.contact_id) });
    Object.assign(h, { state: body.state, reply: body.reply ?? h.reply, updated_at: now() });
    return send(200, h);
  }
  if ((m = p.match(/^\/api\/contacts\/([^/]+)(?:\/([a-z]+))?$/))) {
    const c = contacts.get(m[1]);
    if (!c) return fail(404, 'not_found', 'no such contact');
    const op = m[2];
    const cm = () => ({ contact: c, messages: messages.get(c.id) });
    if (!op) return send(200, cm());
    if (op === 'accept') {
      if (c.state !== 'offered' || c.agent_id !== me.id) return fail(409, 'conflict', '이미 다른 상담사에게 넘어간 요청입니다');
      clearTimeout(offerTimers.get(c.id));
      c.state = 'active'; c.answered_at = now();
      if (agents.get(me.id).state !== 'busy') setAgent(me.id, 'busy');
      toChat(c.id, { type: 'agent', name: me.name });
      contactChanged(c);
      return send(200, cm());
    }
    if (op === 'messages') { if (c.state !== 'active') return fail(409, 'conflict', '진행 중인 상담이 아닙니다'); return send(200, addMessage(c, 'agent', body.text, { author_id: me.id, client_id: body.client_id })); }
    if (op === 'memo') { c.memo = body.text; return send(204); }
    if (op === 'end') {
      c.state = 'wrapup'; c.ended_at = now();
      toChat(c.id, { type: 'ended' });
      if (!activeOf(me.id)) setAgent(me.id, 'acw');
      contactChanged(c);
      return send(200, c);
    }
    if (op === 'wrapup') {
      if (!body.category) return fail(400, 'invalid', '분류가 없습니다');
      Object.assign(c, { category: body.category, resolution: body.resolution, department_id: body.department_id, summary: body.summary, state: 'closed', closed_at: now() });
      if (![...contacts.values()].some((x) => x.agent_id === me.id && ['active', 'wrapup'].includes(x.state))) setAgent(me.id, 'available');
      contactChanged(c);
      route();
      return send(200, c);
    }
    if (op === 'handoff') { const h = { id: id(), tenant_id: 'seoul', contact_id: c.id, department_id: body.department_id, summary: body.summary, note: body.note, state: 'open', created_by: me.id, created_at: now(), updated_at: now() }; handoffs.push(h); return send(200, h); }
    if (op === 'history') return send(200, [{ ...c, id: 'old1', created_at: new Date(Date.now() - 5 * 86400e3).toISOString(), category: '주차', resolution: 'resolved', summary: '거주자 우선주차 신청 방법 안내' }]);
    if (op === 'transfer') {
      const old = c.agent_id;
      c.state = 'queued'; delete c.agent_id;
      if (body.queue_id) c.queue_id = body.queue_id;
      toDesk(old, { type: 'contact', contact: c });
      addMessage(c, 'system', '다른 상담사에게 연결하고 있습니다.');
      route();
      return send(200, c);
    }
    if (op === 'monitor') {
      const set = monitors.get(c.id) ?? new Set();
      if (body.on) set.add(me.id); else set.delete(me.id);
      monitors.set(c.id, set);
      return send(200, cm());
    }
    if (op === 'whisper') return send(200, addMessage(c, 'whisper', body.text, { author_id: me.id }));
  }
  return fail(404, 'not_found', `no route ${req.method} ${p}`);
}

const server = createServer((req, res) => handle(req, res).catch((e) => { console.error(e); if (!res.headersSent) res.writeHead(500); res.end(); }));

server.on('upgrade', (req, socket) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/ws/chat') {
    let c = contacts.get(resumes.get(url.searchParams.get('resume')));
    const conn = wsAccept(req, socket);
    let resume = url.searchParams.get('resume');
    if (!c) {
      c = { id: id(), tenant_id: 'seoul', queue_id: 'q-general', channel: 'chat', state: 'queued', entry_point: url.searchParams.get('entry'), citizen_id: id(), language: 'ko', priority: 0, created_at: now() };
      contacts.set(c.id, c);
      messages.set(c.id, []);
      resume = id();
      resumes.set(resume, c.id);
      log('contact.created', { contact_id: c.id });
    }
    const after = Number(url.searchParams.get('after') ?? 0);
    if (!chats.has(c.id)) chats.set(c.id, new Set());
    chats.get(c.id).add(conn);
    conn.send({ type: 'welcome', contact_id: c.id, resume, tenant_name: '서울시 120다산콜', messages: messages.get(c.id).filter((m) => m.seq > after && m.from !== 'whisper') });
    if (c.state === 'active') conn.send({ type: 'agent', name: users.find((u) => u.id === c.agent_id)?.name });
    if (c.state === 'wrapup' || c.state === 'closed') conn.send({ type: 'ended' });
    route();
    conn.onmessage = (f) => {
      if (f.type === 'message') {
        if ((f.text ?? '').length > 1000) return conn.send({ type: 'error', code: 'too_large', message: '메시지가 너무 깁니다' });
        addMessage(c, 'citizen', f.text, { client_id: f.client_id });
      } else if (f.type === 'typing' && c.agent_id) toDesk(c.agent_id, { type: 'typing', contact_id: c.id });
      else if (f.type === 'leave') {
        if (c.state === 'queued' || c.state === 'offered') { c.state = 'abandoned'; clearTimeout(offerTimers.get(c.id)); }
        else if (c.state === 'active') { c.state = 'wrapup'; c.ended_at = now(); if (!activeOf(c.agent_id)) setAgent(c.agent_id, 'acw'); }
        addMessage(c, 'system', '시민이 상담을 종료했습니다.');
        toChat(c.id, { type: 'ended' });
        contactChanged(c);
      } else if (f.type === 'rating') { c.rating = f.rating; c.rating_comment = f.comment; toChat(c.id, { type: 'rated' }); }
    };
    conn.onclose = () => chats.get(c.id)?.delete(conn);
    return;
  }
  const s = sessionOf(req);
  if (!s) { socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n'); return; }
  const conn = wsAccept(req, socket);
  if (url.pathname === '/ws/board') {
    boards.add(conn);
    conn.send({ type: 'board', board: board() });
    conn.onclose = () => boards.delete(conn);
  } else if (url.pathname === '/ws/desk') {
    if (!desks.has(s.userId)) desks.set(s.userId, new Set());
    desks.get(s.userId).add(conn);
    conn.send({ type: 'state', ...agents.get(s.userId) });
    conn.onmessage = (f) => {
      if (f.type === 'typing') toChat(f.contact_id, { type: 'typing' });
    };
    conn.onclose = () => { desks.get(s.userId)?.delete(conn); changed(); };
    route();
    changed();
  } else socket.destroy();
});

server.listen(port, '127.0.0.1', () => console.log(`mock minwon on http://127.0.0.1:${port}/`));
