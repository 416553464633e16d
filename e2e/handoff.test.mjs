// A counselor hands a matter to a department at wrap-up; the department's
// officer takes it, and closes it with a reply.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { citizenOpensChat, citizenSays, counselorAcceptsNext, counselorSays, login, world } from './harness.mjs';

const w = world('handoff');

const SUMMARY = '한빛로 12 앞 불법 주정차 차량 상습 신고. 현장 단속 및 결과 회신 요청.';
const NOTE = '민원인은 평일 오전 통화 희망.';
const REPLY = '6월 3일 현장 단속하여 과태료 부과했습니다. 주 2회 순찰 구간에 넣었습니다.';

test('a wrap-up hands the matter to 주차관리과; dept01 accepts and finishes it', { timeout: 90_000 }, w.run(async () => {
  const citizen = await w.person('citizen', { citizen: true });
  await citizenOpensChat(citizen, w.url);
  const counselor = await w.person('counselor01');
  await login(counselor, w.url, 'counselor01');
  const { chat } = await counselorAcceptsNext(w, counselor);

  const q1 = '한빛로 12 앞에 매일 불법 주차된 차가 있어요. 단속해 주세요.';
  const a1 = '불편을 드려 죄송합니다. 주차관리과로 넘겨서 현장 단속을 요청해 드릴게요.';
  await citizenSays(citizen, q1);
  await chat.locator('[data-testid="msg"][data-from="citizen"]', { hasText: q1 }).waitFor();
  await counselorSays(chat, a1);
  await citizen.locator('[data-testid="msg"][data-from="agent"]', { hasText: a1 }).waitFor();

  // End, then wrap up with 부서 이관 → 주차관리과.
  await chat.getByTestId('end-chat').click();
  await chat.getByTestId('end-chat-confirm').click();
  await citizen.getByTestId('survey').waitFor();
  const form = chat.getByTestId('wrapup-form');
  await form.waitFor();
  await form.getByTestId('wrapup-category').selectOption('주차');
  await form.getByTestId('wrapup-handoff').check();
  const dept = form.getByTestId('wrapup-department');
  await dept.waitFor();
  await dept.selectOption({ label: '주차관리과' });
  assert.equal(await dept.inputValue(), 'd-parking');
  await form.getByTestId('wrapup-note').fill(NOTE);
  await form.getByTestId('wrapup-summary').fill(SUMMARY);
  await w.shot(counselor, 'wrapup-handoff');
  await form.getByTestId('wrapup-submit').click();
  await chat.waitFor({ state: 'detached' });
  assert.equal(await counselor.getByTestId('wrapup-error').count(), 0);

  // dept01 (주차관리과) finds it among the open hand-offs.
  const officer = await w.person('dept01');
  await login(officer, w.url, 'dept01');
  await officer.waitForFunction(() => location.hash.startsWith('#/handoffs'));
  await officer.getByTestId('handoffs-open').waitFor();
  const row = officer.locator('[data-testid="handoff-row"][data-state="open"]', { hasText: SUMMARY });
  await row.waitFor();
  assert.equal(await officer.locator('[data-testid="handoff-row"]').count(), 1, 'one open hand-off');
  await w.shot(officer, 'officer-inbox');
  await row.click();

  const detail = officer.getByTestId('handoff-detail');
  await detail.waitFor();
  assert.equal(await detail.getAttribute('data-state'), 'open');
  assert.equal((await detail.getByTestId('handoff-summary').innerText()).trim(), SUMMARY);
  assert.equal((await detail.getByTestId('handoff-note').innerText()).trim(), NOTE);
  // The conversation comes with it.
  await detail.locator('[data-testid="msg"][data-from="citizen"]', { hasText: q1 }).waitFor();
  await detail.locator('[data-testid="msg"][data-from="agent"]', { hasText: a1 }).waitFor();
  await detail.locator('dd').getByText('주차', { exact: true }).waitFor(); // the wrap-up's category
  await w.shot(officer, 'officer-detail');

  // Accept, then finish with a reply.
  await detail.getByTestId('handoff-accept').click();
  await officer.locator('[data-testid="handoff-detail"][data-state="accepted"]').waitFor();
  await detail.getByTestId('handoff-reply').fill(REPLY);
  await detail.getByTestId('handoff-done').click();
  await officer.locator('[data-testid="handoff-detail"][data-state="done"]').waitFor();
  assert.equal(await detail.getByTestId('handoff-reply').isDisabled(), true, 'a finished hand-off is read-only');
  assert.equal(await detail.getByTestId('handoff-accept').count(), 0);
  assert.equal(await detail.getByTestId('handoff-done').count(), 0);
  await w.shot(officer, 'officer-done');

  // It has left the open list and sits under 처리 완료 with its reply kept.
  await officer.locator('[data-testid="handoff-row"]', { hasText: SUMMARY }).waitFor({ state: 'detached' });
  await officer.getByTestId('handoffs-done').click();
  const doneRow = officer.locator('[data-testid="handoff-row"][data-state="done"]', { hasText: SUMMARY });
  await doneRow.waitFor();
  await officer.reload();
  await officer.locator('[data-testid="handoff-detail"][data-state="done"]').waitFor();
  assert.equal(await officer.getByTestId('handoff-reply').inputValue(), REPLY, 'the reply was stored');

  // dept02 (자원순환과) sees none of 주차관리과's hand-offs, in any state.
  const other = await w.person('dept02');
  const listed = (state) => other.waitForResponse((r) => r.url().endsWith(`/api/handoffs?state=${state}`) && r.ok());
  const firstList = listed('open'); // the inbox opens on the open ones
  await login(other, w.url, 'dept02');
  for (const state of ['open', 'accepted', 'done']) {
    if (state === 'open') {
      await firstList;
    } else {
      const answered = listed(state);
      await other.getByTestId(`handoffs-${state}`).click();
      await answered;
    }
    await other.getByText('이관된 건이 없습니다.').waitFor(); // the empty list, rendered
    assert.equal(await other.locator('[data-testid="handoff-row"]').count(), 0, `dept02 sees no ${state} hand-off`);
  }
}));
