// A supervisor coaches a phone call from the status board: 듣기 rings the
// supervisor's registered SIP phone (sipp answering and echoing), the
// counselor's call panel says a supervisor is listening, 귓속말 switches the
// mode live, 나가기 hangs the supervisor's phone up and clears the panel.
// Who hears whom is proved by tones in the sip package (TestCoachCall).
//
// sipp comes from scripts/deps.sh (Debian package sip-tester). Without it the
// test skips, except in CI, where it fails.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PASSWORD, eventually, login, openPage, world } from './harness.mjs';
import { freePort, rtpPeer, runSipp, sipp } from './sip.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const SCENARIO = path.join(here, 'testdata', 'caller_on_hold.xml');
const PHONE_PASSWORD = 'coach-phone-2026';
const sipPort = sipp ? await freePort() : 0;
const w = sipp ? world('coach-call', { server: { extraArgs: ['--sip', `127.0.0.1:${sipPort}`] } }) : null;

/** An API session of a demo login: fetch with its cookie and CSRF token. */
async function apiAs(url, loginName) {
  const r = await fetch(`${url}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login: loginName, password: PASSWORD }),
  });
  assert.equal(r.status, 200, `login ${loginName}`);
  const cookie = r.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const { csrf } = await r.json();
  return (method, p, body) =>
    fetch(`${url}${p}`, {
      method,
      headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
}

test(
  'a supervisor listens to a call, whispers, and leaves, from the board',
  { timeout: 150_000, skip: sipp ? false : 'sipp is not installed (apt-get install sip-tester, or scripts/deps.sh)' },
  async () => {
    await w.run(async () => {
      const dir = await mkdtemp(path.join(tmpdir(), 'minwon-e2e-coach-'));
      const procs = [];
      try {
        // supervisor01's desk phone: a SIP password, a registration, and a
        // sipp that answers one call at the registered address and echoes it.
        const admin = await apiAs(w.url, 'admin');
        const users = await (await admin('GET', '/api/users')).json();
        const sup = users.find((u) => u.login === 'supervisor01');
        assert.equal((await admin('PUT', `/api/users/${sup.id}`, { ...sup, sip_password: PHONE_PASSWORD })).status, 200);
        const phonePort = await freePort();
        const reg = await runSipp(
          ['-sf', path.join(here, '..', 'sip', 'testdata', 'register.xml'), '-s', 'supervisor01', '-i', '127.0.0.1',
            '-p', String(await freePort()), '-t', 'u1', '-m', '1', '-timeout', '10s', '-timeout_error', '-nostdin',
            '-au', 'supervisor01', '-ap', PHONE_PASSWORD,
            '-set', 'login', 'supervisor01', '-set', 'phoneport', String(phonePort), '-set', 'expires', '300', w.srv.sip],
          dir,
        ).done;
        assert.equal(reg.code, 0, `the supervisor's phone did not register\n${reg.out}`);
        const phone = runSipp(['-sn', 'uas', '-i', '127.0.0.1', '-p', String(phonePort), '-mp', String(await freePort()),
          '-rtp_echo', '-m', '1', '-timeout', '120s', '-timeout_error', '-nostdin'], dir);
        procs.push(phone.p);

        const desk = await w.person('counselor01');
        await login(desk, w.url, 'counselor01');
        await desk.getByTestId('desk-disconnected').waitFor({ state: 'detached' });
        await w.settle(desk);
        await desk.getByTestId('agent-state').selectOption('available');
        await desk.locator('[data-testid="agent-state"][data-state="available"]').waitFor();

        const peer = await rtpPeer();
        const caller = spawn(sipp, ['-sf', SCENARIO, '-s', '120', '-i', '127.0.0.1',
          '-p', String(await freePort()), '-mp', String(await freePort()), '-t', 'u1',
          '-m', '1', '-timeout', '120s', '-timeout_error', '-nostdin',
          '-set', 'rtpport', String(peer.sock.address().port), w.srv.sip], { cwd: dir, stdio: 'ignore' });
        procs.push(caller);
        try {
          const offer = desk.locator('[data-testid="offer-card"][data-channel="voice"]');
          const deadline = Date.now() + 40_000;
          while ((await offer.count()) === 0) {
            assert.ok(Date.now() < deadline, 'no call offer within 40 s');
            if (peer.packets > 0) await peer.press('1');
            await new Promise((r) => setTimeout(r, 400));
          }
          await offer.getByTestId('offer-accept').click();
          const call = desk.locator('[data-testid="chat"][data-channel="voice"][data-state="active"]');
          await call.getByTestId('call-panel').waitFor();
          assert.equal(await call.getByTestId('call-coach').count(), 0, 'nobody coaches yet');

          // The board's live call row: 듣기.
          const board = await w.person('supervisor01');
          await login(board, w.url, 'supervisor01');
          await openPage(board, 'board');
          const row = board.locator('[data-testid="live-row"]').filter({ has: board.getByTestId('coach-buttons') });
          await row.waitFor();
          const contactId = await row.getAttribute('data-contact-id');
          assert.equal(await row.getByTestId('coach-listen').textContent(), '듣기');
          await row.getByTestId('coach-listen').click();
          await board.locator('[data-testid="coach-buttons"][data-mode="listen"]').waitFor();
          const chip = call.getByTestId('call-coach');
          await desk.locator('[data-testid="call-coach"][data-mode="listen"]').waitFor();
          assert.equal(await chip.textContent(), '관리자 청취 중');
          await w.shot(desk, 'coached');
          await w.shot(board, 'coaching');

          // 귓속말, live.
          await row.getByTestId('coach-whisper').click();
          await desk.locator('[data-testid="call-coach"][data-mode="whisper"]').waitFor();
          assert.equal(await chip.textContent(), '관리자 귓속말 중');

          // 나가기: the supervisor's phone is hung up, the panel clears.
          await row.getByTestId('coach-leave').click();
          await chip.waitFor({ state: 'detached' });
          const phoneExit = await Promise.race([phone.done, new Promise((r) => setTimeout(() => r(null), 15_000))]);
          assert.ok(phoneExit, 'the supervisor\'s phone was not hung up');
          assert.equal(phoneExit.code, 0, `the supervisor's phone sipp\n${phoneExit.out}`);

          // Stored, supervisor as actor: the audit trail has the three steps.
          await eventually(async () => {
            const evs = [];
            for (let after = 0; ; ) {
              const page = await (await admin('GET', `/api/events?after=${after}&limit=1000`)).json();
              evs.push(...page);
              if (page.length < 1000) break;
              after = page[page.length - 1].seq;
            }
            const coach = evs.filter((e) => e.contact_id === contactId && e.type.startsWith('coach.'));
            assert.deepEqual(coach.map((e) => e.type), ['coach.started', 'coach.mode', 'coach.ended']);
            assert.ok(coach.every((e) => e.actor_id === sup.id));
          });
        } finally {
          await peer.close();
        }
      } finally {
        for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
        await rm(dir, { recursive: true, force: true });
      }
    })();
  },
);
