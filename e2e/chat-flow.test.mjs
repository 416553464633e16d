// The core acceptance: a citizen chats with a counselor from the first line to
// the wrap-up, and the supervisor's board counts it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  citizenOpensChat,
  citizenSays,
  counselorSays,
  eventually,
  login,
  messageTexts,
  openPage,
  world,
} from './harness.mjs';

const w = world('chat-flow');

// Markup typed by a citizen (or pasted by a counselor) must arrive as text.
const HTML_CITIZEN = '<b>굵게</b><script>window.__x=1</script>';
const HTML_COUNSELOR = '<img src=x onerror="window.__x=2"><i>기울임</i>';

test('a citizen chats with a counselor, rates the chat, and the board counts it', { timeout: 90_000 }, w.run(async () => {
  // The citizen opens the city's chat page and waits in the queue.
  const citizen = await w.person('citizen', { citizen: true });
  await citizenOpensChat(citizen, w.url);
  const queue = citizen.getByTestId('queue-info');
  assert.equal(await queue.getAttribute('data-position'), '1', 'the only waiting citizen is first in line');
  assert.match(await queue.innerText(), /\d/, 'the queue notice tells the position and wait');
  await w.shot(citizen, 'citizen-queued');

  // counselor01 logs in, becomes available, gets the offer and accepts.
  const counselor = await w.person('counselor01');
  await login(counselor, w.url, 'counselor01');
  await counselor.getByTestId('agent-state').waitFor();
  assert.equal(await counselor.getByTestId('agent-state').getAttribute('data-state'), 'offline');
  await counselor.getByTestId('desk-disconnected').waitFor({ state: 'detached' }); // /ws/desk is open
  await w.settle(counselor);
  await counselor.getByTestId('agent-state').selectOption('available');
  const offer = counselor.getByTestId('offer-card').first();
  await offer.waitFor({ state: 'visible' });
  await w.shot(counselor, 'counselor-offer');
  const contactId = await offer.getAttribute('data-contact-id');
  assert.ok(contactId, 'the offer card names its contact');
  await offer.getByTestId('offer-accept').click();
  const chat = counselor.locator(`[data-testid="chat"][data-contact-id="${contactId}"]`);
  await counselor.locator(`[data-testid="chat"][data-contact-id="${contactId}"][data-state="active"]`).waitFor();
  await counselor.getByTestId('offer-card').waitFor({ state: 'detached' });
  await counselor.locator('[data-testid="agent-state"][data-state="busy"]').waitFor();

  // The citizen is told a counselor joined; the queue notice is gone.
  await citizen.getByTestId('agent-joined').waitFor();
  await queue.waitFor({ state: 'detached' });

  // Korean both ways.
  const q1 = '안녕하세요. 주민등록등본은 어디서 뗄 수 있나요?';
  const a1 = '네, 안녕하세요. 가까운 주민센터나 정부24에서 발급받으실 수 있어요.';
  const q2 = '감사합니다! 수수료는 얼마인가요?';
  await citizenSays(citizen, q1);
  await chat.locator('[data-testid="msg"][data-from="citizen"]', { hasText: q1 }).waitFor();
  await counselorSays(chat, a1);
  await citizen.locator('[data-testid="msg"][data-from="agent"]', { hasText: a1 }).waitFor();
  await citizenSays(citizen, q2);
  await chat.locator('[data-testid="msg"][data-from="citizen"]', { hasText: q2 }).waitFor();

  // Markup is shown as typed and never runs, on either side.
  await citizenSays(citizen, HTML_CITIZEN);
  const onDesk = chat.locator('[data-testid="msg"][data-from="citizen"]', { hasText: HTML_CITIZEN });
  await onDesk.waitFor();
  await counselorSays(chat, HTML_COUNSELOR);
  const onCitizen = citizen.locator('[data-testid="msg"][data-from="agent"]', { hasText: HTML_COUNSELOR });
  await onCitizen.waitFor();
  const citizenMine = citizen.locator('[data-testid="msg"][data-from="citizen"]', { hasText: HTML_CITIZEN });
  for (const [where, loc, text] of [
    ['desk', onDesk, HTML_CITIZEN],
    ['citizen page (own line)', citizenMine, HTML_CITIZEN],
    ['citizen page', onCitizen, HTML_COUNSELOR],
  ]) {
    assert.ok((await loc.innerText()).includes(text), `${where}: the markup shows as literal text`);
    assert.equal(await loc.locator('b, i, img, script').count(), 0, `${where}: no element was made from the text`);
  }
  assert.equal(await citizen.evaluate(() => typeof window.__x), 'undefined', 'no script ran on the citizen page');
  assert.equal(await counselor.evaluate(() => typeof window.__x), 'undefined', 'no script ran on the desk');

  // Both sides hold the same conversation, in the same order.
  const fromCitizen = await messageTexts(citizen.locator('main'));
  const fromDesk = await messageTexts(chat.getByTestId('transcript'));
  assert.deepEqual(
    fromDesk.map((m) => [m.from, m.text]),
    [
      ['citizen', q1],
      ['agent', a1],
      ['citizen', q2],
      ['citizen', HTML_CITIZEN],
      ['agent', HTML_COUNSELOR],
    ],
  );
  assert.deepEqual(fromCitizen.map((m) => [m.from, m.text]), fromDesk.map((m) => [m.from, m.text]));
  await w.shot(citizen, 'citizen-conversation');
  await w.shot(counselor, 'counselor-conversation');

  // The counselor ends the chat; the citizen is asked for a 1–5 rating.
  await chat.getByTestId('end-chat').click();
  await chat.getByTestId('end-chat-confirm').click();
  await counselor.locator(`[data-testid="chat"][data-contact-id="${contactId}"][data-state="wrapup"]`).waitFor();
  const survey = citizen.getByTestId('survey');
  await survey.waitFor();
  for (let i = 1; i <= 5; i++) await survey.getByTestId(`rating-${i}`).waitFor({ state: 'visible' });
  assert.equal(await citizen.getByTestId('citizen-input').count(), 0, 'no composer after the end');
  await w.shot(citizen, 'citizen-survey');
  await survey.getByTestId('rating-5').click();
  assert.equal(await survey.getByTestId('rating-5').getAttribute('aria-checked'), 'true');
  await survey.getByTestId('rating-submit').click();
  await citizen.getByTestId('chat-finished').waitFor();
  await w.shot(citizen, 'citizen-thanks');

  // The counselor wraps up: 민원서류, 해결.
  const form = chat.getByTestId('wrapup-form');
  await form.waitFor();
  await form.getByTestId('wrapup-category').selectOption('민원서류');
  await form.getByTestId('wrapup-resolved').check();
  await form.getByTestId('wrapup-summary').fill('주민등록등본 발급처(주민센터, 정부24)와 수수료 안내');
  await w.shot(counselor, 'counselor-wrapup');
  await form.getByTestId('wrapup-submit').click();
  await chat.waitFor({ state: 'detached' });
  // After-contact work (2 s in this server), then ready again on its own.
  await counselor.locator('[data-testid="agent-state"][data-state="available"]').waitFor();

  // supervisor01's board shows the chat as offered and answered.
  const supervisor = await w.person('supervisor01');
  await login(supervisor, w.url, 'supervisor01');
  await openPage(supervisor, 'board');
  const tile = (id) => supervisor.locator(`[data-testid="tile-${id}"] [data-value]`);
  await tile('answered').waitFor();
  await eventually(async () => {
    assert.equal(await tile('answered').innerText(), '1', 'answered today');
    assert.ok(Number(await tile('offered').innerText()) >= 1, 'offered today ≥ 1');
  }, { timeout: 5000 });
  assert.equal(await tile('abandoned').innerText(), '0');
  await w.shot(supervisor, 'supervisor-board');
}));
