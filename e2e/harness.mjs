// Shared plumbing of the browser tests: one minwon server and one Chromium
// per test file, a browser context per person, screenshots, login, polling,
// and diagnostics when a test fails.

import { after, before } from 'node:test';
import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from './server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
export const SCREENSHOTS = path.join(here, 'screenshots');
export const PASSWORD = 'minwon120!'; // every demo login (demo/README.md)

export const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
export const LAUNCH_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The page's session cookie, for a direct API read. */
export async function cookieOf(page) {
  return (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
}

/** How long one UI step may take before the test fails (actions, waits). */
export const STEP_TIMEOUT = 15_000;

const STAFF_VIEWPORT = { width: 1366, height: 900 };
const CITIZEN_VIEWPORT = { width: 420, height: 860 }; // a phone, as most citizens use

/**
 * Registers before/after hooks for one test file and returns its world:
 *   w.url            the server's base URL (after `before` ran)
 *   w.person(who, {citizen}) a page in its own browser context (own cookies, storage)
 *   w.shot(page, step)       full-page screenshot screenshots/<name>-<step>.png
 *   w.run(fn)                wraps a test body: on failure prints server logs,
 *                            browser console errors, and screenshots every page
 * `server` holds startServer's options, e.g. { bot: true }; `browserArgs` are
 * extra Chromium flags (fake microphone or camera, loopback WebRTC).
 */
export function world(name, { server = {}, browserArgs = [] } = {}) {
  const w = {
    name,
    url: '',
    srv: null,
    browser: null,
    people: new Map(), // who → { context, page, errors: [] }
    shots: 0,
  };

  before(async () => {
    await mkdir(SCREENSHOTS, { recursive: true });
    // Screenshots are this run's output: drop the last run's of this file.
    for (const f of await readdir(SCREENSHOTS)) {
      if (f.startsWith(`${name}-`) && f.endsWith('.png')) await rm(path.join(SCREENSHOTS, f), { force: true });
    }
    // Both at once: the server seeds its store while Chromium starts.
    const [srv, browser] = await Promise.allSettled([
      startServer(server),
      chromium.launch({ executablePath: CHROMIUM, args: [...LAUNCH_ARGS, ...browserArgs] }),
    ]);
    w.srv = srv.value ?? null;
    w.browser = browser.value ?? null;
    if (srv.status === 'rejected' || browser.status === 'rejected') {
      // Whichever half started must not outlive the failure of the other.
      await w.browser?.close().catch(() => undefined);
      await w.srv?.stop();
      w.srv = w.browser = null;
      throw srv.reason ?? browser.reason;
    }
    w.url = w.srv.url;
  });

  after(async () => {
    await Promise.allSettled([...w.people.values()].map((p) => p.context.close()));
    await w.browser?.close().catch(() => undefined);
    await w.srv?.stop();
  });

  w.person = async (who, { citizen = false } = {}) => {
    const context = await w.browser.newContext({
      locale: 'ko-KR',
      timezoneId: 'Asia/Seoul',
      viewport: citizen ? CITIZEN_VIEWPORT : STAFF_VIEWPORT,
      isMobile: false,
      hasTouch: false,
    });
    context.setDefaultTimeout(STEP_TIMEOUT);
    const page = await context.newPage();
    const p = { context, page, errors: [], traffic: [] };
    // The last API calls and WebSocket frames, printed when a test fails.
    const note = (line) => {
      p.traffic.push(`${new Date().toISOString().slice(11, 23)} ${line.length > 300 ? `${line.slice(0, 300)}…` : line}`);
      if (p.traffic.length > 60) p.traffic.shift();
    };
    // API requests in flight, for settle().
    p.inflight = 0;
    p.lastDone = Date.now();
    const isApi = (r) => new URL(r.url()).pathname.startsWith('/api/');
    page.on('request', (r) => isApi(r) && p.inflight++);
    const done = (r) => {
      if (!isApi(r)) return;
      p.inflight = Math.max(0, p.inflight - 1);
      p.lastDone = Date.now();
    };
    page.on('requestfinished', done);
    page.on('requestfailed', done);
    page.on('response', (r) => {
      const u = new URL(r.url());
      if (u.pathname.startsWith('/api/')) note(`${r.request().method()} ${u.pathname}${u.search} → ${r.status()}`);
    });
    page.on('websocket', (ws) => {
      const path = new URL(ws.url()).pathname;
      note(`${path} open`);
      ws.on('framereceived', (f) => note(`${path} ← ${f.payload}`));
      ws.on('framesent', (f) => note(`${path} → ${f.payload}`));
      ws.on('close', () => note(`${path} closed`));
    });
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') p.errors.push(`console.${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => p.errors.push(`pageerror: ${e.message}`));
    page.on('requestfailed', (r) => p.errors.push(`requestfailed: ${r.method()} ${r.url()} ${r.failure()?.errorText ?? ''}`));
    w.people.set(who, p);
    return page;
  };

  /**
   * Waits until the page has had no API request in flight for `quiet` ms:
   * the desk's start-up loads are in. (A desk made available while its first
   * /api/agent/contacts is still on the way loses the offer; see
   * desk-offer-race.test.mjs. Users don't click that fast; tests do.)
   */
  w.settle = async (page, { quiet = 250, timeout = STEP_TIMEOUT } = {}) => {
    const p = [...w.people.values()].find((x) => x.page === page);
    const start = Date.now();
    const deadline = start + timeout;
    for (;;) {
      if (p.inflight === 0 && Date.now() - Math.max(p.lastDone, start) >= quiet) return;
      if (Date.now() > deadline) throw new Error(`the page kept ${p.inflight} API requests in flight for ${timeout} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  w.shot = async (page, step) => {
    const n = String(++w.shots).padStart(2, '0');
    // From the top, or a sticky top bar lands mid-page in a full-page capture.
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-${n}-${step}.png`), fullPage: true });
  };

  w.run = (fn) => async (t) => {
    try {
      await fn(t);
    } catch (err) {
      await w.diagnose().catch((e) => process.stderr.write(`diagnostics failed: ${e}\n`));
      throw err;
    }
  };

  w.diagnose = async () => {
    const out = [`\n===== ${name}: diagnostics =====`];
    if (w.srv) out.push(w.srv.describe());
    for (const [who, p] of w.people) {
      out.push(`--- ${who}: ${p.page.isClosed() ? '(closed)' : p.page.url()} ---`);
      out.push(...(p.errors.length ? p.errors.slice(-20) : ['(no console errors)']));
      out.push('  traffic (last API answers and WebSocket frames):', ...p.traffic.map((l) => `    ${l}`));
      if (!p.page.isClosed()) {
        await p.page
          .screenshot({ path: path.join(SCREENSHOTS, `${name}-FAILED-${who}.png`), fullPage: true, timeout: 5000 })
          .catch(() => undefined);
      }
    }
    process.stderr.write(out.join('\n') + '\n');
  };

  return w;
}

/** Logs a staff member in through the login form; lands on their home page. */
export async function login(page, url, user) {
  await page.goto(`${url}/`);
  await page.getByTestId('login-login').fill(user);
  await page.getByTestId('login-password').fill(PASSWORD);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('topbar').waitFor();
}

/**
 * A counselor ready for calls in the browser: logged in, their desk
 * connected and settled, the softphone on and registered with the server,
 * and the counselor available. A toneMic for the page goes before it.
 */
export async function softphoneReady(w, page, user) {
  await login(page, w.url, user);
  await page.getByTestId('desk-disconnected').waitFor({ state: 'detached' });
  await w.settle(page);
  await page.getByTestId('softphone-toggle').check();
  await page.locator('[data-testid="softphone-toggle"][data-registered="yes"]').waitFor();
  await page.getByTestId('agent-state').selectOption('available');
  await page.locator('[data-testid="agent-state"][data-state="available"]').waitFor();
}

/** Opens one of the staff app's pages with the top bar's link. */
export async function openPage(page, which) {
  await page.getByTestId(`nav-${which}`).click();
  await page.waitForFunction((h) => location.hash.startsWith(`#/${h}`), which);
}

/**
 * Retries `fn` until it returns without throwing (an assertion inside it, say)
 * or `timeout` passes; then rethrows the last error. For state that arrives
 * asynchronously (WebSocket pushes) where no single element condition fits.
 */
export async function eventually(fn, { timeout = 5000, interval = 100 } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, interval));
    }
  }
}

/** The texts of the settled (not pending) messages in a container, in order. */
export async function messageTexts(scope) {
  return scope.locator('[data-testid="msg"]:not([data-pending])').evaluateAll((els) =>
    els.map((e) => ({
      id: e.getAttribute('data-id'),
      from: e.getAttribute('data-from'),
      seq: Number(e.getAttribute('data-seq')),
      text: (e.querySelector('.c-bubble, .text')?.textContent ?? '').trim(),
    })),
  );
}

// --- the people of the demo center ------------------------------------------

/** A citizen opens the chat page of an entry point; resolves once welcomed (queued). */
export async function citizenOpensChat(page, url, entry = 'hanbit') {
  await page.goto(`${url}/chat/${entry}`);
  await page.getByTestId('queue-info').waitFor();
}

/** A counselor's desk: logged in, set available, waits for an offer and accepts it. Returns the chat column. */
export async function counselorAcceptsNext(w, page) {
  const state = page.getByTestId('agent-state');
  await state.waitFor();
  await page.getByTestId('desk-disconnected').waitFor({ state: 'detached' }); // /ws/desk is open
  await w.settle(page);
  await state.selectOption('available');
  await page.locator('[data-testid="agent-state"][data-state="available"], [data-testid="agent-state"][data-state="busy"]').waitFor();
  const offer = page.getByTestId('offer-card').first();
  await offer.waitFor();
  const contactId = await offer.getAttribute('data-contact-id');
  await offer.getByTestId('offer-accept').click();
  const chat = page.locator(`[data-testid="chat"][data-contact-id="${contactId}"]`);
  await page.locator(`[data-testid="chat"][data-contact-id="${contactId}"][data-state="active"]`).waitFor();
  return { chat, contactId };
}

/** The citizen sends a line and waits until the server has echoed it (no longer pending). */
export async function citizenSays(page, text) {
  await page.getByTestId('citizen-input').fill(text);
  await page.getByTestId('citizen-send').click();
  await page.locator('[data-testid="msg"][data-from="citizen"]:not([data-pending])', { hasText: text }).last().waitFor();
}

/** The counselor sends a line in a chat column and waits for the server's answer. */
export async function counselorSays(chat, text) {
  await chat.getByTestId('chat-input').fill(text);
  await chat.getByTestId('chat-send').click();
  await chat.locator('[data-testid="msg"][data-from="agent"]:not([data-pending])', { hasText: text }).last().waitFor();
}
