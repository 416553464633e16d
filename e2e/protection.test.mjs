// Counselor protection in web chat: a citizen swears three times, is warned
// twice by script and disconnected; the counselor only saw masked lines
// (and may reveal one); the incident reaches the supervisor as a live alert
// on the board and in the incidents API, and the supervisor reviews it on
// the protection page: confirm, evidence bundle, sanction and report.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { citizenOpensChat, citizenSays, counselorAcceptsNext, eventually, login, openPage, world } from './harness.mjs';

const w = world('protection');

const SWEARS = ['ㅅㅂ 빨리 처리해', '씨X 아직이야?', '시*발 당장 바꿔'];

test('three swears: two warnings, then the chat ends; the counselor sees masked text; the board alerts; the supervisor confirms', { timeout: 90_000 }, w.run(async () => {
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

  // The protection page lists the incident; the supervisor opens it, reads
  // the original lines and confirms it with a reason.
  await openPage(supervisor, 'protect');
  const row = supervisor.locator(`[data-testid="prot-row"][data-incident-id="${incidentId}"]`);
  await row.waitFor();
  assert.equal(await row.getByTestId('prot-row-state').innerText(), '검토 대기');
  // The type filter: not under sexual harassment, back under abuse.
  await supervisor.getByTestId('prot-type').selectOption('sexual');
  await row.waitFor({ state: 'detached' });
  await supervisor.getByTestId('prot-type').selectOption('abuse');
  await row.waitFor();
  await supervisor.getByTestId('prot-status').selectOption('open');
  await row.waitFor();
  await w.shot(supervisor, 'protect-list');
  await row.click();
  const detail = supervisor.getByTestId('prot-detail');
  await detail.waitFor();
  assert.equal(await detail.getAttribute('data-incident-id'), incidentId);
  const lines = await detail.getByTestId('prot-item-text').allInnerTexts();
  for (const s of SWEARS) assert.ok(lines.some((l) => l.includes(s)), `the evidence shows ${s}: ${lines}`);
  assert.equal(await detail.getByTestId('prot-warnings').locator('li').count(), 2);
  assert.match(await detail.getByTestId('prot-actions').innerText(), /원문 보기/);
  assert.ok(await detail.getByTestId('prot-confirm').isDisabled(), 'no review without a reason');
  await detail.getByTestId('prot-reason').fill('욕설 3회, 녹취 확인');
  await detail.getByTestId('prot-confirm').click();
  await eventually(async () => assert.equal(await detail.getByTestId('prot-state').innerText(), '확인됨'));
  // Reviewed, it leaves the unreviewed-only list and shows as confirmed in the full one.
  await row.waitFor({ state: 'detached' });
  await supervisor.getByTestId('prot-status').selectOption('');
  await eventually(async () => assert.equal(await row.getByTestId('prot-row-state').innerText(), '확인됨'));
  const reviewed = await supervisor.evaluate(async (id) => (await fetch(`/api/incidents/${id}`)).json(), incidentId);
  assert.equal(reviewed.review.verdict, 'confirmed');
  assert.equal(reviewed.review.reason, '욕설 3회, 녹취 확인');
  await w.shot(supervisor, 'protect-confirmed');

  // The evidence bundle is a plain link; fetched with the supervisor's
  // cookies it is a ZIP.
  const href = await detail.getByTestId('prot-bundle').getAttribute('href');
  assert.equal(new URL(href, w.url).pathname, `/api/incidents/${incidentId}/bundle`);
  const res = await supervisor.request.get(new URL(href, w.url).href);
  assert.equal(res.status(), 200);
  const zip = await res.body();
  assert.equal(zip.subarray(0, 2).toString('latin1'), 'PK');

  // Sanction: the caller is routed to the dedicated team; the reason is required.
  const sanction = detail.getByTestId('prot-sanction');
  assert.ok(await sanction.getByTestId('prot-sanction-go').isDisabled(), 'no sanction without a reason');
  await sanction.getByTestId('prot-sanction-reason').fill('욕설 반복, 전담팀 연결');
  const [sres] = await Promise.all([
    supervisor.waitForResponse((r) => r.url().endsWith('/api/sanctions') && r.request().method() === 'POST'),
    sanction.getByTestId('prot-sanction-go').click(),
  ]);
  assert.equal(sres.status(), 200);
  const sanctioned = await sres.json();
  assert.equal(sanctioned.kind, 'restrict');
  assert.equal(sanctioned.caller_id, inc.caller_id);
  assert.equal(sanctioned.reason, '욕설 반복, 전담팀 연결');

  // The report counts it under abuse, and the counselor's exposure.
  const report = supervisor.getByTestId('prot-report');
  await report.getByTestId('prot-period-row').first().waitFor();
  assert.equal(await report.getByTestId('prot-period-row').count(), 1, 'only the day with an incident');
  assert.equal(await report.locator('[data-testid="prot-period-row"] td[data-type="abuse"]').innerText(), '1');
  const exposure = report.getByTestId('prot-exposure-row');
  assert.equal(await exposure.count(), 1);
  const counselorName = await counselor.getByTestId('user-name').innerText();
  assert.equal(await exposure.locator('td').first().innerText(), counselorName);
  await w.shot(supervisor, 'protect-report');
  await supervisor.getByTestId('lang-en').click();
  assert.equal(await supervisor.getByTestId('nav-protect').innerText(), 'Counselor protection');
  assert.equal(await detail.getByTestId('prot-state').innerText(), 'Confirmed');
  await w.shot(supervisor, 'protect-en');
}));
