// The counselor's protection buttons: 경고 twice, and the third warning
// (after a confirmation) ends the chat with the closing notice; the counselor
// leaves a note on the incident. The supervisor finds the incident by
// counselor and date on the protection page and sees every action. A
// sexual-harassment end opens a legal case, which the supervisor refers
// for legal action (법적 조치 의뢰) with a reason; the evidence bundle then
// holds case.json.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { citizenOpensChat, counselorAcceptsNext, eventually, login, openPage, world } from './harness.mjs';

const w = world('protect-actions');

/** Today and yesterday as Seoul dates, YYYY-MM-DD. */
function seoulDay(offsetDays = 0) {
  return new Date(Date.now() + offsetDays * 864e5).toLocaleDateString('sv-SE', { timeZone: 'Asia/Seoul' });
}

test('경고 twice, the third ends the chat; the supervisor filters by counselor and refers a case for legal action', { timeout: 120_000 }, w.run(async () => {
  const citizen = await w.person('citizen', { citizen: true });
  await citizenOpensChat(citizen, w.url);
  const counselor = await w.person('counselor01');
  await login(counselor, w.url, 'counselor01');
  const { chat } = await counselorAcceptsNext(w, counselor);
  await citizen.getByTestId('agent-joined').waitFor();
  const counselorName = await counselor.getByTestId('user-name').innerText();

  const bar = chat.getByTestId('protect-bar');
  const warn = bar.getByTestId('protect-warn');
  const end = bar.getByTestId('protect-end');
  await bar.waitFor();
  assert.equal(await warn.innerText(), '경고 1/3');
  // End with notice waits for the warnings or the 20-minute rule.
  assert.ok(await end.isDisabled(), 'end with notice is not armed at once');
  assert.match(await bar.getByTestId('protect-end-hint').innerText(), /^(19|20):\d\d 후 종료 가능$/);
  await w.shot(counselor, 'bar-ready');

  const system = citizen.locator('[data-testid="msg"][data-from="system"]');
  for (let i = 1; i <= 2; i++) {
    await warn.click();
    await eventually(async () => assert.equal(await system.count(), i));
    await eventually(async () => assert.equal(await warn.innerText(), `경고 ${i + 1}/3`));
  }
  const warnings = await system.allInnerTexts();
  assert.notEqual(warnings[0], warnings[1], 'two different warning scripts');
  assert.ok(await end.isEnabled(), 'after two warnings the counselor may end with notice');
  await w.shot(counselor, 'bar-two-warnings');

  // The counselor's own account goes on the incident.
  await bar.getByTestId('protect-note').click();
  await counselor.getByTestId('protect-note-text').fill('반말과 고성이 계속되어 경고했습니다. 전담팀 연결이 필요해 보입니다.');
  await counselor.getByTestId('protect-note-save').click();
  await counselor.getByTestId('protect-note-form').waitFor({ state: 'detached' });

  // The third warning ends the chat, so it asks first.
  await warn.click();
  await bar.getByTestId('protect-confirm').click();
  await counselor.locator(`[data-testid="chat"][data-state="wrapup"]`).waitFor();
  await citizen.getByTestId('chat-finished').waitFor();
  await eventually(async () => assert.equal(await system.count(), 3));
  assert.equal(await citizen.getByTestId('survey').count(), 0, 'no survey after a chat ended for abuse');
  assert.equal(await chat.getByTestId('protect-bar').count(), 0, 'no buttons after the end');
  await w.shot(citizen, 'citizen-ended');

  // The supervisor's list, by counselor and by Seoul date.
  const supervisor = await w.person('supervisor01');
  await login(supervisor, w.url, 'supervisor01');
  await openPage(supervisor, 'protect');
  const rows = supervisor.getByTestId('prot-row');
  await rows.first().waitFor();
  await supervisor.getByTestId('prot-agent').selectOption({ label: counselorName });
  await eventually(async () => {
    assert.equal(await rows.count(), 1);
    assert.equal(await rows.first().getByTestId('prot-row-agent').innerText(), counselorName);
  });
  const incidentId = await rows.first().getAttribute('data-incident-id');
  await supervisor.getByTestId('prot-agent').selectOption({ label: '이서윤' });
  await eventually(async () => assert.equal(await rows.count(), 0));
  await supervisor.getByTestId('prot-agent').selectOption({ label: counselorName });
  await supervisor.getByTestId('prot-from').fill(seoulDay(-1));
  await supervisor.getByTestId('prot-to').fill(seoulDay(-1));
  await eventually(async () => assert.equal(await rows.count(), 0, 'nothing yesterday'));
  await supervisor.getByTestId('prot-to').fill(seoulDay(0));
  await eventually(async () => assert.equal(await rows.count(), 1));
  assert.equal(await supervisor.getByTestId('prot-total').getAttribute('data-total'), '1');
  await w.shot(supervisor, 'list-by-counselor');

  await rows.first().click();
  const detail = supervisor.getByTestId('prot-detail');
  await detail.waitFor();
  assert.equal(await detail.getAttribute('data-incident-id'), incidentId);
  const warned = await detail.getByTestId('prot-warnings').locator('li').allInnerTexts();
  assert.equal(warned.length, 2);
  for (const l of warned) assert.ok(l.includes(counselorName), `a warning by the counselor: ${l}`);
  assert.match(await detail.getByTestId('prot-ended').innerText(), /상담사 종료/);
  assert.match(await detail.getByTestId('prot-actions').innerText(), /전담팀 연결이 필요해 보입니다/);
  // The supervisor adds a note too; it joins the action log.
  await detail.getByTestId('prot-note').fill('녹취 확인 예정');
  await detail.getByTestId('prot-note-add').click();
  await eventually(async () => assert.match(await detail.getByTestId('prot-actions').innerText(), /녹취 확인 예정/));
  await w.shot(supervisor, 'detail-actions');

  // Sexual harassment ends at once on the counselor's word and opens a case.
  const citizen2 = await w.person('citizen2', { citizen: true });
  await citizenOpensChat(citizen2, w.url);
  const counselor2 = await w.person('counselor02');
  await login(counselor2, w.url, 'counselor02');
  const { chat: chat2 } = await counselorAcceptsNext(w, counselor2);
  const bar2 = chat2.getByTestId('protect-bar');
  await bar2.getByTestId('protect-type').selectOption('sexual');
  assert.equal(await bar2.getByTestId('protect-warn').innerText(), '경고 1/1');
  await bar2.getByTestId('protect-end').click();
  await bar2.getByTestId('protect-confirm').click();
  await counselor2.locator(`[data-testid="chat"][data-state="wrapup"]`).waitFor();
  await citizen2.getByTestId('chat-finished').waitFor();

  await supervisor.getByTestId('prot-agent').selectOption('');
  await supervisor.getByTestId('prot-type').selectOption('sexual');
  await eventually(async () => assert.equal(await rows.count(), 1));
  await rows.first().click();
  await supervisor.locator('[data-testid="prot-detail"] [data-testid="prot-case"][data-state="open"]').waitFor();
  const sexualId = await detail.getAttribute('data-incident-id');
  assert.notEqual(sexualId, incidentId);
  const sanction = detail.getByTestId('prot-sanction');
  await sanction.getByTestId('prot-sanction-kind').selectOption('legal');
  assert.ok(await sanction.getByTestId('prot-sanction-go').isDisabled(), 'no legal action without a reason');
  await sanction.getByTestId('prot-sanction-reason').fill('성희롱 1회, 경찰 고소 의뢰');
  await sanction.getByTestId('prot-sanction-go').click();
  await eventually(async () => assert.equal(await detail.getByTestId('prot-case-state').innerText(), '법적 조치 의뢰됨'));
  assert.match(await detail.locator('[data-testid="prot-sanctions"] li[data-kind="legal"]').innerText(), /경찰 고소 의뢰/);
  await w.shot(supervisor, 'case-filed');

  // The audit trail has the legal action with the supervisor as actor, and
  // the bundle now carries the case.
  const inc = await supervisor.evaluate(async (id) => (await fetch(`/api/incidents/${id}`)).json(), sexualId);
  assert.equal(inc.case.state, 'filed');
  assert.equal(inc.sanctions.at(-1).kind, 'legal');
  assert.equal(inc.sanctions.at(-1).reason, '성희롱 1회, 경찰 고소 의뢰');
  const res = await supervisor.request.get(new URL(`/api/incidents/${sexualId}/bundle`, w.url).href);
  assert.equal(res.status(), 200);
  const zip = await res.body();
  assert.ok(zip.includes(Buffer.from('case.json')), 'the bundle lists case.json');

  await supervisor.getByTestId('lang-en').click();
  assert.equal(await detail.getByTestId('prot-case-state').innerText(), 'Referred for legal action');
  await w.shot(supervisor, 'case-en');
}));
