// A supervisor watches a live chat from the board and whispers to the
// counselor; the citizen never sees the whisper.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  citizenOpensChat,
  citizenSays,
  counselorAcceptsNext,
  counselorSays,
  login,
  messageTexts,
  openPage,
  world,
} from './harness.mjs';

const w = world('coaching');

const WHISPER = '과태료 감경 기준(20%)도 함께 안내해 주세요.';

test('a supervisor monitors a live chat and whispers; only the counselor sees it', { timeout: 90_000 }, w.run(async () => {
  const citizen = await w.person('citizen', { citizen: true });
  await citizenOpensChat(citizen, w.url);

  const counselor = await w.person('counselor01');
  await login(counselor, w.url, 'counselor01');
  const { chat, contactId } = await counselorAcceptsNext(w, counselor);
  await citizen.getByTestId('agent-joined').waitFor();

  const q1 = '주차 위반 과태료를 받았는데 의견진술은 어떻게 하나요?';
  const a1 = '고지서에 적힌 기한 안에 주차관리과로 의견진술서를 내시면 돼요.';
  await citizenSays(citizen, q1);
  await chat.locator('[data-testid="msg"][data-from="citizen"]', { hasText: q1 }).waitFor();
  await counselorSays(chat, a1);
  await citizen.locator('[data-testid="msg"][data-from="agent"]', { hasText: a1 }).waitFor();

  // supervisor01 finds the chat in the board's live list and starts monitoring.
  const supervisor = await w.person('supervisor01');
  await login(supervisor, w.url, 'supervisor01');
  await openPage(supervisor, 'board');
  const row = supervisor.locator(`[data-testid="live-row"][data-contact-id="${contactId}"]`);
  await row.waitFor();
  await w.shot(supervisor, 'board-live');
  await row.getByTestId('monitor').click();
  const panel = supervisor.locator(`[data-testid="monitor-panel"][data-contact-id="${contactId}"]`);
  await panel.waitFor();
  // The transcript so far is there.
  await panel.locator('[data-testid="msg"][data-from="citizen"]', { hasText: q1 }).waitFor();
  await panel.locator('[data-testid="msg"][data-from="agent"]', { hasText: a1 }).waitFor();

  // New lines arrive live in the panel.
  const q2 = '의견진술서 양식은 어디서 받나요?';
  await citizenSays(citizen, q2);
  await panel.locator('[data-testid="msg"][data-from="citizen"]', { hasText: q2 }).waitFor();

  // The whisper.
  await panel.getByTestId('whisper-input').fill(WHISPER);
  await panel.getByTestId('whisper-send').click();
  await panel.locator('[data-testid="msg"][data-from="whisper"]', { hasText: WHISPER }).waitFor();
  await w.shot(supervisor, 'monitor-whisper');

  // The counselor sees it, marked as coaching.
  const onDesk = chat.locator('[data-testid="msg"][data-from="whisper"]', { hasText: WHISPER });
  await onDesk.waitFor();
  const label = onDesk.locator('.whisper-label');
  assert.equal(await label.count(), 1, 'the whisper carries its coaching label');
  assert.match(await label.innerText(), /코칭|귓속말/);
  await w.shot(counselor, 'counselor-whisper');

  // The counselor answers; once that reaches the citizen, the whisper (sent
  // before it) would have too, had it leaked.
  const a2 = '구청 누리집이나 주차관리과 창구에서 받으실 수 있고, 기한 내 자진 납부하시면 20% 감경돼요.';
  await counselorSays(chat, a2);
  await citizen.locator('[data-testid="msg"][data-from="agent"]', { hasText: a2 }).waitFor();
  const page = await citizen.locator('body').innerText();
  assert.ok(!page.includes(WHISPER), 'the whisper text is nowhere on the citizen page');
  assert.equal(await citizen.locator('[data-testid="msg"][data-from="whisper"]').count(), 0);
  assert.deepEqual(
    (await messageTexts(citizen.locator('main'))).map((m) => [m.from, m.text]),
    [
      ['citizen', q1],
      ['agent', a1],
      ['citizen', q2],
      ['agent', a2],
    ],
  );
  // …and not after a reload either (the backlog comes from the server).
  await citizen.reload();
  await citizen.locator('[data-testid="msg"][data-from="agent"]', { hasText: a2 }).waitFor();
  assert.ok(!(await citizen.locator('body').innerText()).includes(WHISPER), 'no whisper in the resumed backlog');
  await w.shot(citizen, 'citizen-no-whisper');

  // The supervisor's panel keeps following: the counselor's answer is there too.
  await panel.locator('[data-testid="msg"][data-from="agent"]', { hasText: a2 }).waitFor();
}));
