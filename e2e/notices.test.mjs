// A supervisor posts a notice; a counselor reads and confirms it; the board
// tracks who has not read it yet.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, login, openPage, world } from './harness.mjs';

const w = world('notices');

// Names of the demo counselors (demo/README.md): the board lists names.
const COUNSELOR02 = '이서윤';
const COUNSELOR03 = '박도현';

const TITLE = '오늘 오후 정부24 발급 장애 안내';
const BODY = '14시부터 16시까지 정부24 증명서 발급이 중단됩니다. 가까운 주민센터 방문 발급을 안내해 주세요.';

/** The board's "not read by" names of the notice with TITLE. */
async function unreadOnBoard(board) {
  const item = board.locator('[data-testid="board-notice"]', { hasText: TITLE });
  return (await item.innerText()).replace(/\s+/g, ' ');
}

test('a notice with an expiry reaches counselors and the board tracks who read it', { timeout: 90_000 }, w.run(async () => {
  // counselor02 is at the desk before the notice is posted: it arrives live.
  const c2 = await w.person('counselor02');
  await login(c2, w.url, 'counselor02');
  await c2.getByTestId('agent-state').waitFor();
  assert.equal(await c2.getByTestId('notices-unread').count(), 0, 'no notices yet');

  // supervisor01 posts it from the board, expiring in three hours.
  const sup = await w.person('supervisor01');
  await login(sup, w.url, 'supervisor01');
  await openPage(sup, 'board');
  const form = sup.getByTestId('notice-form');
  await form.waitFor();
  await form.getByTestId('notice-title').fill(TITLE);
  await form.getByTestId('notice-body').fill(BODY);
  // datetime-local wants the browser's local time, YYYY-MM-DDTHH:mm.
  const expires = await sup.evaluate(() => {
    const d = new Date(Date.now() + 3 * 3600 * 1000);
    const p = (n) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
  });
  await form.getByTestId('notice-expires').fill(expires);
  await w.shot(sup, 'board-notice-form');
  await form.getByTestId('notice-submit').click();

  const onBoard = sup.locator('[data-testid="board-notice"]', { hasText: TITLE });
  await onBoard.waitFor();
  await eventually(async () => {
    const s = await unreadOnBoard(sup);
    assert.ok(s.includes(COUNSELOR02), `counselor02 is unread at first: ${s}`);
    assert.ok(s.includes(COUNSELOR03), `counselor03 is unread at first: ${s}`);
  });
  // The expiry shown is the one chosen (hour and minute, in whatever format).
  const [, hh, mm] = expires.match(/T(\d\d):(\d\d)/);
  assert.match(await onBoard.innerText(), new RegExp(`${Number(hh) % 12 || 12}|${hh}`), 'the expiry hour is shown');
  assert.ok((await onBoard.innerText()).includes(mm), 'the expiry minute is shown');
  await w.shot(sup, 'board-notice-posted');

  // counselor02 is told without a reload, reads it and confirms.
  const badge = c2.getByTestId('notices-unread');
  await badge.waitFor();
  assert.match(await badge.innerText(), /1/);
  await c2.getByTestId('side-notices').click();
  const notice = c2.locator('[data-testid="notice"]', { hasText: TITLE });
  await notice.waitFor();
  assert.equal(await notice.getAttribute('data-read'), 'false');
  assert.ok((await notice.innerText()).includes(BODY), 'the body is shown');
  await w.shot(c2, 'counselor-notice-unread');
  await notice.getByTestId('notice-read').click();
  await c2.locator('[data-testid="notice"][data-read="true"]', { hasText: TITLE }).waitFor();
  await badge.waitFor({ state: 'detached' });
  await w.shot(c2, 'counselor-notice-read');

  // It stays read after a reload (the server kept it).
  await c2.reload();
  await c2.getByTestId('side-notices').click();
  await c2.locator('[data-testid="notice"][data-read="true"]', { hasText: TITLE }).waitFor();

  // The board, live: counselor02 no longer unread, counselor03 still is.
  await eventually(async () => {
    const s = await unreadOnBoard(sup);
    assert.ok(!s.includes(COUNSELOR02), `counselor02 has read it: ${s}`);
    assert.ok(s.includes(COUNSELOR03), `counselor03 has not: ${s}`);
  });
  await w.shot(sup, 'board-notice-read');

  // counselor03, logging in later, finds it waiting.
  const c3 = await w.person('counselor03');
  await login(c3, w.url, 'counselor03');
  await c3.getByTestId('notices-unread').waitFor();
  await c3.getByTestId('side-notices').click();
  await c3.locator('[data-testid="notice"][data-read="false"]', { hasText: TITLE }).waitFor();
}));
