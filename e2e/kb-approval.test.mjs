// A counselor writes a knowledge-base article, a supervisor approves it from
// the approval queue, and it reaches the counselors' desk as "오늘 바뀐 안내"
// and in search; then the supervisor imports a manual file with progress.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { eventually, login, openPage, world } from './harness.mjs';

const w = world('kb-approval');

const TITLE = '폭설 시 제설 작업 순서';
const BODY = '제설은 간선도로와 버스 노선부터 해요. <b>이면도로</b>는 다음 날까지 걸릴 수 있다고 안내해 주세요.';

test('a draft becomes searchable only after a supervisor approves it', { timeout: 90_000 }, w.run(async () => {
  const kim = await w.person('counselor02');
  await login(kim, w.url, 'counselor02');
  await openPage(kim, 'kb');
  await kim.getByTestId('kbm-new').click();
  const ed = kim.getByTestId('kbm-editor');
  await ed.getByTestId('kbm-id').fill('snow-removal');
  await ed.getByTestId('kbm-title-input').fill(TITLE);
  await ed.getByTestId('kbm-body').fill(BODY);
  await ed.getByTestId('kbm-submit').click();
  await kim.waitForFunction(() => location.hash === '#/kb/articles/snow-removal');
  await w.shot(kim, 'draft-submitted');

  // Not in search while it waits.
  await openPage(kim, 'desk');
  await kim.getByTestId('side-kb').click();
  await kim.getByTestId('kb-search').fill('제설 작업');
  await kim.getByTestId('kb-search-submit').click();
  await eventually(async () => {
    const titles = await kim.getByTestId('kb-result').allInnerTexts();
    assert.ok(!titles.some((x) => x.includes(TITLE)), 'a pending draft is not searchable');
  });

  const sup = await w.person('supervisor01');
  await login(sup, w.url, 'supervisor01');
  await openPage(sup, 'kb');
  await sup.getByTestId('kbm-tab-queue').click();
  await sup.getByTestId('kbm-row').filter({ hasText: TITLE }).click();
  await sup.getByTestId('kbm-approve').click();
  await eventually(async () => {
    const hist = await sup.getByTestId('kbm-versions').innerText();
    assert.match(hist, /v1/);
    assert.match(hist, /게시 중/);
  });
  await w.shot(sup, 'approved');

  // Now searchable, spacing left out, with the matches marked (as text).
  await kim.getByTestId('kb-search').fill('제설작업순서');
  await kim.getByTestId('kb-search-submit').click();
  await eventually(async () => {
    const hit = kim.getByTestId('kb-result').filter({ hasText: TITLE });
    assert.equal(await hit.count(), 1, 'the approved article is found');
    const marks = await hit.locator('mark').allInnerTexts();
    assert.ok(marks.some((m) => m.includes('제설')), `matches marked: ${JSON.stringify(marks)}`);
  });
  await w.shot(kim, 'search-marked');

  // The counselor's desk lists it under changed today and finds it; the
  // body's tags stay text.
  await kim.reload();
  await kim.getByTestId('side-kb').click();
  const today = kim.getByTestId('kb-today');
  await today.getByTestId('kb-today-item').filter({ hasText: TITLE }).click();
  const art = kim.getByTestId('kb-article');
  await art.waitFor();
  assert.ok((await art.innerText()).includes('<b>이면도로</b>'), 'HTML in a body is shown as text');
  assert.equal(await art.locator('b').count(), 0);
  await w.shot(kim, 'changed-today');

  // Bulk import of an approved manual, published at once.
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kb-e2e-'));
  const file = path.join(dir, 'manual.jsonl');
  const lines = [];
  for (let i = 0; i < 300; i++) {
    lines.push(JSON.stringify({ id: `bulk-${i}`, title: `일괄 안내 ${i}`, body: `일괄로 들어온 안내 ${i}번이에요.`, category: '기타', department: '시민소통과', questions: [] }));
  }
  await writeFile(file, lines.join('\n') + '\n');
  await sup.getByTestId('kbm-tab-import').click();
  await sup.getByTestId('kbm-file').setInputFiles(file);
  await sup.locator('input[type="checkbox"]').check();
  await sup.getByTestId('kbm-import-start').click();
  const result = sup.getByTestId('kbm-import-result');
  await result.waitFor();
  assert.match(await result.innerText(), /새로 300건/);
  assert.equal(await sup.getByTestId('kbm-progress').getAttribute('value'), '1');
  await w.shot(sup, 'imported');
}));
