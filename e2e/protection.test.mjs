// Counselor protection in web chat: a citizen swears three times, is warned
// twice by script and disconnected; the counselor only saw masked lines
// (and may reveal one); the incident reaches the supervisor as a live alert
// on the board and in the incidents API.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { citizenOpensChat, citizenSays, counselorAcceptsNext, eventually, login, openPage, world } from './harness.mjs';

const w = world('protection');

const SWEARS = ['ㅅㅂ 빨리 처리해', '씨X 아직이야?', '시*발 당장 바꿔'];

test('three swears: two warnings, then the chat ends; the counselor sees masked text; the board alerts', { timeout: 90_000 }, w.run(async () => {
  const citizen = await w.person('citizen', { citizen: true });
  await citizenOpensChat(citizen, w.url);
  const counselor = await w.person('counselor01');
  await login(counselor, w.url, 'counselor01');
  const { chat } = await counselorAcceptsNext(w, counselor);
  await citizen.getByTestId('agent-joined').waitFor();

  const system = citizen.locator('[data-testid="msg"][data-from="system"]');
  for (let i = 0; i < SWEARS.length; i++) {
    await citizenSays(citizen, SWEARS[i]);
    await chat.locator('[data-testid="msg"][data-from="citizen"] [data-testid="masked"]').nth(i).waitFor();
    await eventually(async () => assert.equal(await system.count(), i + 1));
    await w.shot(citizen, `citizen-after-${i + 1}`);
  }
  // Two warnings and the closing notice, three different scripts; the chat is over.
  const scripts = await system.allInnerTexts();
  assert.equal(new Set(scripts).size, 3, `three different system lines: ${scripts}`);
  // Ended for abuse: no satisfaction survey, just the end.
  await citizen.getByTestId('chat-finished').waitFor();
  assert.equal(await citizen.getByTestId('survey').count(), 0, 'no survey after an abusive chat');
  assert.equal(await citizen.getByTestId('citizen-input').count(), 0, 'no input after the end');

  // The counselor never saw the words, only ●, until a reveal click.
  const desk = await chat.innerText();
  for (const s of SWEARS) assert.ok(!desk.includes(s), `the desk shows ${s}`);
  assert.match(await chat.getByTestId('masked-text').first().innerText(), /●/);
  await w.shot(counselor, 'desk-masked');
  await chat.getByTestId('reveal').first().click();
  await chat.getByTestId('revealed').first().waitFor();
  assert.equal(await chat.getByTestId('revealed').first().innerText(), SWEARS[0]);
  await w.shot(counselor, 'desk-revealed');

  // The supervisor's board raises the protective-break alert.
  const supervisor = await w.person('supervisor01');
  await login(supervisor, w.url, 'supervisor01');
  await openPage(supervisor, 'board');
  const alert = supervisor.getByTestId('protect-alert').first();
  await alert.waitFor();
  assert.match(await alert.innerText(), /보호 휴식/);
  await w.shot(supervisor, 'board-alert');
  const incidentId = await alert.getAttribute('data-incident-id');
  const inc = await supervisor.evaluate(async (id) => (await fetch(`/api/incidents/${id}`)).json(), incidentId);
  assert.equal(inc.type, 'abuse');
  assert.equal(inc.warnings.length, 2);
  assert.equal(inc.ended.reason, 'warnings');
  assert.ok(inc.actions.some((a) => a.kind === 'reveal'), 'the reveal is on the record');
}));
