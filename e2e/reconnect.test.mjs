// A citizen reloads the chat page mid-conversation (and later leaves the page
// for a moment): the same conversation resumes, nothing lost, nothing twice.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  citizenOpensChat,
  citizenSays,
  counselorAcceptsNext,
  counselorSays,
  eventually,
  login,
  messageTexts,
  world,
} from './harness.mjs';

const w = world('reconnect');

const saved = (page) =>
  page.evaluate(() => {
    const raw = sessionStorage.getItem('minwon.chat.hanbit');
    return raw ? JSON.parse(raw).contact_id : null;
  });

function assertNoDuplicates(list, where) {
  const ids = list.map((m) => m.id);
  assert.equal(new Set(ids).size, ids.length, `${where}: a message shows twice: ${JSON.stringify(list)}`);
  const seqs = list.map((m) => m.seq);
  assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), `${where}: messages out of order`);
}

test('a reload mid-conversation resumes the same chat with every message once', { timeout: 90_000 }, w.run(async () => {
  const citizen = await w.person('citizen', { citizen: true });
  await citizenOpensChat(citizen, w.url);
  const counselor = await w.person('counselor01');
  await login(counselor, w.url, 'counselor01');
  const { chat, contactId } = await counselorAcceptsNext(w, counselor);
  await citizen.getByTestId('agent-joined').waitFor();
  assert.equal(await saved(citizen), contactId, 'the page keeps the conversation it is in');

  const lines = [
    ['citizen', '대형폐기물 배출 신고는 어떻게 하나요?'],
    ['agent', '구청 누리집에서 품목을 고르고 수수료를 내신 뒤 스티커 번호를 붙여 내놓으시면 돼요.'],
    ['citizen', '소파 하나에 얼마인가요?'],
    ['agent', '3인용 소파는 8,000원이에요.'],
  ];
  for (const [from, text] of lines) {
    if (from === 'citizen') {
      await citizenSays(citizen, text);
      await chat.locator('[data-testid="msg"][data-from="citizen"]', { hasText: text }).waitFor();
    } else {
      await counselorSays(chat, text);
      await citizen.locator('[data-testid="msg"][data-from="agent"]', { hasText: text }).waitFor();
    }
  }
  const before = await messageTexts(citizen.locator('main'));
  assert.deepEqual(before.map((m) => [m.from, m.text]), lines);
  assertNoDuplicates(before, 'before the reload');
  await w.shot(citizen, 'before-reload');

  // Reload.
  await citizen.reload();
  await citizen.getByTestId('agent-joined').waitFor();
  await citizen.locator('[data-testid="msg"]').nth(lines.length - 1).waitFor();
  // Wait for the connection to settle (welcome and backlog in), then compare.
  await citizen.getByTestId('conn-status').waitFor({ state: 'detached' });
  await citizen.getByTestId('leave').and(citizen.locator(':enabled')).waitFor();
  const after = await messageTexts(citizen.locator('main'));
  assert.equal(after.length, before.length, 'same number of messages after the reload');
  assert.deepEqual(after, before, 'the same messages, ids and order after the reload');
  assert.equal(await saved(citizen), contactId, 'the same conversation resumed');
  assert.equal(await citizen.getByTestId('queue-info').count(), 0, 'not queued again');
  await w.shot(citizen, 'after-reload');

  // The conversation goes on in the same desk column, both ways.
  const q3 = '새로고침했는데 잘 보이나요?';
  await citizenSays(citizen, q3);
  await chat.locator('[data-testid="msg"][data-from="citizen"]', { hasText: q3 }).waitFor();
  const a3 = '네, 잘 보여요.';
  await counselorSays(chat, a3);
  await citizen.locator('[data-testid="msg"][data-from="agent"]', { hasText: a3 }).waitFor();
  assert.equal(await counselor.locator('[data-testid="chat"]').count(), 1, 'still one chat on the desk');
  assert.equal(await counselor.getByTestId('offer-card').count(), 0, 'no new offer: not a new contact');

  // The citizen leaves the page; the counselor writes meanwhile; the citizen
  // comes back (same tab) and finds that line, once.
  await citizen.goto('about:blank');
  const whileAway = '자리를 비우신 동안 남겨 드려요: 수수료는 카드로도 내실 수 있어요.';
  await counselorSays(chat, whileAway);
  await citizen.goto(`${w.url}/chat/hanbit`);
  await citizen.locator('[data-testid="msg"][data-from="agent"]', { hasText: whileAway }).waitFor();
  await citizen.getByTestId('conn-status').waitFor({ state: 'detached' });
  assert.equal(await saved(citizen), contactId, 'the same conversation after coming back');
  const back = await messageTexts(citizen.locator('main'));
  const expected = [...lines, ['citizen', q3], ['agent', a3], ['agent', whileAway]];
  assert.deepEqual(back.map((m) => [m.from, m.text]), expected, 'every message, once, in order');
  assertNoDuplicates(back, 'after coming back');

  // The desk holds the same transcript, without duplicates either.
  await eventually(async () => {
    const desk = await messageTexts(chat.getByTestId('transcript'));
    assert.deepEqual(desk.map((m) => [m.from, m.text]), expected);
    assertNoDuplicates(desk, 'desk');
    assert.deepEqual(desk.map((m) => m.id), back.map((m) => m.id), 'same message ids on both sides');
  });
  await w.shot(citizen, 'after-return');
  await w.shot(counselor, 'desk');
}));
