// The self-service bot answers first: a citizen asks what the demo knowledge
// base answers, says the answer did not help, and is handed to a counselor,
// who sees the bot's transcript and suggestions and answers with the help of
// the assist panel. A second citizen is helped by the bot and leaves; the
// board counts that chat as served by the bot, not as abandoned.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { citizenSays, counselorSays, eventually, login, messageTexts, openPage, world } from './harness.mjs';

const w = world('bot', { server: { bot: true } });

const QUESTION = '여권 새로 만들려면 어디로 가야 돼요?'; // demo/kb.jsonl: passport-issue
const FOLLOW_UP = '여권 사진 규격도 정해져 있어요?';
const ANSWER_START = '여권은 한빛시청 민원여권과나 가까운 구청 민원실'; // passport-issue's opening sentence

/** Opens the chat page and waits until the bot has the conversation. */
async function openBotChat(page) {
  await page.goto(`${w.url}/chat/hanbit`);
  await page.getByTestId('bot-intro').waitFor();
  await page.getByTestId('bot-human').waitFor({ state: 'visible' });
}

test('the bot answers, hands over to a counselor who sees its work, and a helped citizen counts as served by the bot', { timeout: 120_000 }, w.run(async () => {
  // counselor01 is ready before the citizen writes: the bot still answers first.
  const counselor = await w.person('counselor01');
  await login(counselor, w.url, 'counselor01');
  await counselor.getByTestId('agent-state').waitFor();
  await counselor.getByTestId('desk-disconnected').waitFor({ state: 'detached' });
  await w.settle(counselor);
  await counselor.getByTestId('agent-state').selectOption('available');
  await counselor.locator('[data-testid="agent-state"][data-state="available"]').waitFor();

  const citizen = await w.person('citizen', { citizen: true });
  await openBotChat(citizen);
  assert.equal(await citizen.getByTestId('queue-info').count(), 0, 'with the bot, the citizen is not in the queue');
  await w.shot(citizen, 'citizen-bot-start');

  await citizenSays(citizen, QUESTION);
  const botLine = citizen.locator('[data-testid="msg"][data-from="bot"]').first();
  await botLine.waitFor();
  assert.equal((await botLine.locator('.c-who').innerText()).trim(), '챗봇', 'the bot’s line is labelled 챗봇');
  assert.match(await botLine.locator('.c-bubble').innerText(), /여권/, 'the bot answers about passports');
  assert.equal(await botLine.locator('.c-bubble *').count(), 0, 'the bot’s text is text, not markup');
  const feedback = citizen.getByTestId('bot-feedback');
  await feedback.waitFor();
  assert.match(await feedback.innerText(), /도움이 되었나요\?/);
  await feedback.getByTestId('bot-yes').waitFor({ state: 'visible' });
  assert.equal(await counselor.getByTestId('offer-card').count(), 0, 'no counselor is offered a chat the bot is answering');
  await w.shot(citizen, 'citizen-bot-answer');

  // "아니요": the answer did not help. The citizen queues and counselor01 gets the offer.
  await feedback.getByTestId('bot-no').click();
  await citizen.locator('[data-testid="msg"][data-from="citizen"]:not([data-pending])', { hasText: '아니요' }).waitFor();
  await citizen.getByTestId('bot-buttons').waitFor({ state: 'detached' });
  await w.shot(citizen, 'citizen-handed-over');
  const offer = counselor.getByTestId('offer-card').first();
  await offer.waitFor({ state: 'visible' });
  const contactId = await offer.getAttribute('data-contact-id');
  await offer.getByTestId('offer-accept').click();
  const chat = counselor.locator(`[data-testid="chat"][data-contact-id="${contactId}"]`);
  await counselor.locator(`[data-testid="chat"][data-contact-id="${contactId}"][data-state="active"]`).waitFor();
  await citizen.getByTestId('agent-joined').waitFor();

  // The counselor reads the whole bot conversation and the bot's candidates.
  const transcript = await messageTexts(chat.getByTestId('transcript'));
  assert.deepEqual(transcript.map((m) => m.from), ['citizen', 'bot', 'citizen', 'bot'], 'the bot’s transcript is at the desk');
  assert.equal(transcript[0].text, QUESTION);
  assert.equal(transcript[2].text, '아니요');
  assert.equal((await chat.locator('[data-testid="msg"][data-from="bot"] .who').first().innerText()).trim(), '챗봇');
  const assist = counselor.getByTestId('assist');
  const botPick = assist.getByTestId('assist-bot');
  await botPick.waitFor();
  assert.ok(await botPick.getByTestId('assist-bot-item').count() >= 1, 'the bot’s suggestions are shown');
  assert.ok(['not_helpful', 'unsure'].includes(await botPick.getAttribute('data-reason')), 'the hand-off says why');
  await w.shot(counselor, 'counselor-bot-transcript');

  // A new line from the citizen updates the assist panel; one click puts the
  // article's short answer into the reply box, which the counselor edits.
  await citizenSays(citizen, FOLLOW_UP);
  await chat.locator('[data-testid="msg"][data-from="citizen"]', { hasText: FOLLOW_UP }).waitFor();
  const hit = assist.locator('[data-testid="assist-item"][data-article-id="passport-issue"]');
  await hit.waitFor();
  await hit.getByTestId('assist-insert').click();
  const input = chat.getByTestId('chat-input');
  await eventually(async () => assert.ok((await input.inputValue()).startsWith(ANSWER_START), 'the short answer is in the reply box'));
  assert.equal(await citizen.locator('[data-testid="msg"][data-from="agent"]').count(), 0, 'inserting sends nothing');
  await w.shot(counselor, 'counselor-assist-inserted');
  const reply = `${(await input.inputValue()).trim()} 사진은 가로 3.5cm, 세로 4.5cm예요.`;
  await counselorSays(chat, reply);
  await citizen.locator('[data-testid="msg"][data-from="agent"]', { hasText: '가로 3.5cm' }).waitFor();
  await w.shot(citizen, 'citizen-counselor-reply');

  // A second citizen is helped by the bot and leaves.
  const second = await w.person('citizen2', { citizen: true });
  await openBotChat(second);
  await citizenSays(second, '주민등록등본 어디서 떼요?');
  await second.locator('[data-testid="msg"][data-from="bot"]').first().waitFor();
  await second.getByTestId('bot-feedback').waitFor();
  await second.getByTestId('leave').click();
  await second.getByTestId('leave-confirm').click();
  const done = second.getByTestId('chat-finished');
  await done.waitFor();
  assert.match(await done.innerText(), /챗봇 상담을 마쳤습니다/);
  assert.equal(await second.getByTestId('survey').count(), 0, 'no counselor rating after the bot alone');
  await w.shot(second, 'citizen2-bot-done');

  // The board: one chat served by the bot, none abandoned, one with a counselor.
  const supervisor = await w.person('supervisor01');
  await login(supervisor, w.url, 'supervisor01');
  await openPage(supervisor, 'board');
  const tile = (id) => supervisor.locator(`[data-testid="tile-${id}"] [data-value]`);
  await eventually(async () => {
    assert.equal(await tile('bot-resolved').innerText(), '1', 'served by the bot today');
    assert.equal(await tile('abandoned').innerText(), '0', 'the bot-served chat is not abandoned');
    assert.equal(await tile('answered').innerText(), '1', 'the handed-over chat was answered');
  }, { timeout: 5000 });
  assert.equal(await supervisor.getByTestId('bot-live').getAttribute('data-count'), '0');
  await w.shot(supervisor, 'supervisor-board-bot');
}));
