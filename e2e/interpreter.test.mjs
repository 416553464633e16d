// A foreign resident's call with an interpreter from the pool
// (docs/interpreters.md). The administrator adds an interpretation line (a
// SIP URI answered by sipp, whose RTP this test handles) in the 통역사 tab;
// a citizen's call reaches the counselor's browser softphone; 통역 연결
// rings the line and all three hear each other, which the tones tell apart:
// the caller's handset plays 600 Hz, the counselor's microphone 1 kHz and
// the interpreter's handset 1.25 kHz. 통역 종료 takes the interpreter off;
// the call goes on two-way. Asked again, the interpreter hangs up by
// themselves, and the desk says so. Then an in-house interpreter (counselor02,
// whose microphone plays 1.25 kHz) is rung in their browser softphone and
// hangs up from their desk. The desk learns all of it from its socket: it
// never reads the contact while the interpreter rings or talks.
//
// sipp comes from scripts/deps.sh (Debian package sip-tester). Without it the
// test skips, except in CI, where it fails.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cookieOf, eventually, login, openPage, softphoneReady, world } from './harness.mjs';
import { freePort, rtpPeer, runSipp, sipp } from './sip.mjs';
import { channel, hears, recordingOf, toneMic, toneWindows } from './audio.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const CALLER = path.join(here, 'testdata', 'caller_on_hold.xml');
const LINE_UNTIL_BYE = path.join(here, 'testdata', 'interpreter_until_bye.xml');
const LINE_HANGS_UP = path.join(here, 'testdata', 'interpreter_hangs_up.xml');

const CALLER_HZ = 600;
const COUNSELOR_HZ = 1000;
const INTERPRETER_HZ = 1250; // not on the 200 Hz grid of the others' intermodulation
const ALL = [CALLER_HZ, COUNSELOR_HZ, INTERPRETER_HZ];
// Two voices at once each carry about half a window's energy.
const MIX_SHARE = 0.2;

const sipPort = sipp ? await freePort() : 0;
const w = sipp
  ? world('interpreter', {
      server: { extraArgs: ['--sip', `127.0.0.1:${sipPort}`] },
      browserArgs: ['--use-fake-ui-for-media-stream', '--allow-loopback-in-peer-connection', '--autoplay-policy=no-user-gesture-required'],
    })
  : null;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The interpretation line answers one call as scenario says, on port. */
function line(scenario, port, peer, dir) {
  return runSipp(
    ['-sf', scenario, '-i', '127.0.0.1', '-p', String(port), '-mp', String(port + 2), '-m', '1', '-timeout', '120s', '-timeout_error', '-nostdin',
      '-set', 'rtpport', String(peer.sock.address().port)],
    dir,
  );
}

async function exited(proc, what, ms = 15_000) {
  const exit = await Promise.race([proc.done, sleep(ms).then(() => null)]);
  assert.ok(exit, `${what} within ${ms / 1000} s\n${proc.out()}`);
  return exit;
}

test(
  'an administrator adds interpreters; the counselor brings one into a call, takes them off, and sees them hang up, for a SIP line and an in-house browser',
  { timeout: 240_000, skip: sipp ? false : 'sipp is not installed (apt-get install sip-tester, or scripts/deps.sh)' },
  async (t) => {
    await w.run(async () => {
      const dir = await mkdtemp(path.join(tmpdir(), 'minwon-e2e-interpreter-'));
      const procs = [];
      const peers = [];
      try {
        // The administrator adds the city's Vietnamese interpretation line.
        const linePort = await freePort();
        const admin = await w.person('admin');
        await login(admin, w.url, 'admin');
        await admin.goto(`${w.url}/#/admin/interpreters`);
        const form = admin.getByTestId('form-interpreters');
        await form.getByTestId('field-id').fill('vi-line');
        await form.getByTestId('field-tenant_id').selectOption('hanbit');
        await form.getByTestId('field-name').fill('베트남어 통역 회선');
        await form.getByTestId('field-languages').fill('vi');
        await form.getByTestId('field-address').fill(`sip:interp@127.0.0.1:${linePort}`);
        await form.getByTestId('form-submit').click();
        await admin.locator('[data-testid="table-interpreters"] [data-testid="row"][data-id="vi-line"]').waitFor();
        // And an in-house one: counselor02 interprets Chinese in the browser.
        await form.getByTestId('field-id').fill('zh-staff');
        await form.getByTestId('field-tenant_id').selectOption('hanbit');
        await form.getByTestId('field-name').fill('중국어 통역 직원');
        await form.getByTestId('field-languages').fill('zh');
        await form.getByTestId('field-user_id').selectOption('u-counselor02');
        await form.getByTestId('form-submit').click();
        await admin.locator('[data-testid="table-interpreters"] [data-testid="row"][data-id="zh-staff"]').waitFor();
        await w.shot(admin, 'admin-interpreters');

        const staff = await w.person('counselor02');
        await toneMic(staff, INTERPRETER_HZ);
        await login(staff, w.url, 'counselor02');
        await staff.getByTestId('desk-disconnected').waitFor({ state: 'detached' });
        await staff.getByTestId('softphone-toggle').check();
        await staff.locator('[data-testid="softphone-toggle"][data-registered="yes"]').waitFor();

        const desk = await w.person('counselor01');
        await toneMic(desk, COUNSELOR_HZ);
        await softphoneReady(w, desk, 'counselor01');

        const caller = await rtpPeer();
        const interp = await rtpPeer();
        peers.push(caller, interp);
        const call = runSipp(
          ['-sf', CALLER, '-s', '120', '-i', '127.0.0.1', '-p', String(await freePort()), '-mp', String(await freePort()),
            '-t', 'u1', '-m', '1', '-timeout', '200s', '-timeout_error', '-nostdin',
            '-set', 'rtpport', String(caller.sock.address().port), w.srv.sip],
          dir,
        );
        procs.push(call);
        const offer = desk.locator('[data-testid="offer-card"][data-channel="voice"]');
        const deadline = Date.now() + 40_000;
        while ((await offer.count()) === 0) {
          assert.ok(Date.now() < deadline, `no call offer within 40 s (RTP packets from the IVR: ${caller.packets})\n${call.out()}`);
          if (caller.packets > 0) await caller.press('1');
          await sleep(400);
        }
        await offer.getByTestId('offer-accept').click();
        const chat = desk.locator('[data-testid="chat"][data-channel="voice"][data-state="active"]');
        const contactId = await chat.getAttribute('data-contact-id');
        await chat.locator('[data-testid="softphone"][data-state="connected"]').waitFor({ timeout: 20_000 });

        // From here on the desk must learn the interpreter's state from its
        // socket: count every read of this contact.
        let reads = 0;
        desk.on('request', (r) => {
          if (r.method() === 'GET' && new URL(r.url()).pathname === `/api/contacts/${contactId}`) reads++;
        });

        // 통역 연결: the line rings and answers.
        let ringing = line(LINE_UNTIL_BYE, linePort, interp, dir);
        procs.push(ringing);
        await chat.getByTestId('interpreter-lang').selectOption('vi');
        await chat.getByTestId('interpreter-start').click();
        const bar = chat.getByTestId('interpreter');
        await chat.locator('[data-testid="interpreter"][data-joined="yes"]').waitFor({ timeout: 20_000 });
        assert.match(await bar.innerText(), /베트남어 통역 중: 베트남어 통역 회선/);
        await w.shot(desk, 'interpreter-joined');

        // The status board shows who interprets, from its own socket.
        const board = await w.person('supervisor01');
        await login(board, w.url, 'supervisor01');
        await openPage(board, 'board');
        const chip = board.locator(`[data-testid="live-row"][data-contact-id="${contactId}"] [data-testid="live-interpreter"][data-joined="yes"]`);
        await chip.waitFor();
        assert.match(await chip.innerText(), /베트남어 통역 회선/);

        // Three-way: while the caller and the interpreter both speak, the
        // counselor hears both, and the interpreter hears the caller and the
        // counselor.
        const speaking = Promise.all([caller.tone(CALLER_HZ, 4000), interp.tone(INTERPRETER_HZ, 4000)]);
        await sleep(500);
        const [deskHears, interpHeard] = await Promise.all([hears(desk, ALL, 3000), interp.listen(3000)]);
        await speaking;
        const interpHears = Object.fromEntries(ALL.map((hz) => [hz, toneWindows(interpHeard, hz, 8000, MIX_SHARE)]));
        t.diagnostic(`three-way: the counselor hears ${JSON.stringify(deskHears)}, the interpreter ${JSON.stringify(interpHears)}`);
        assert.ok(deskHears[CALLER_HZ] >= 10, `the counselor does not hear the caller: ${JSON.stringify(deskHears)}`);
        assert.ok(deskHears[INTERPRETER_HZ] >= 10, `the counselor does not hear the interpreter: ${JSON.stringify(deskHears)}`);
        assert.ok(interpHears[CALLER_HZ] >= 10, `the interpreter does not hear the caller: ${JSON.stringify(interpHears)}`);
        assert.ok(interpHears[COUNSELOR_HZ] >= 10, `the interpreter does not hear the counselor: ${JSON.stringify(interpHears)}`);
        assert.ok(interpHears[INTERPRETER_HZ] <= 2, `the interpreter hears themselves: ${JSON.stringify(interpHears)}`);

        // A desk that (re)connects reads the state once from the contact
        // view: a second desktop of the counselor shows the interpreter on.
        const again = await w.person('counselor01-second-desktop');
        await login(again, w.url, 'counselor01');
        await again.locator(`[data-testid="chat"][data-contact-id="${contactId}"] [data-testid="interpreter"][data-joined="yes"]`).waitFor();
        await again.context().close();

        // 통역 종료: the line gets its BYE; the call goes on two-way.
        await bar.getByTestId('interpreter-end').click();
        await chat.locator('[data-testid="interpreter-ended"][data-reason="dropped"]').waitFor();
        assert.equal((await exited(ringing, 'the line was not hung up')).code, 0, `the line's sipp failed\n${ringing.out()}`);
        await chip.waitFor({ state: 'detached' });
        assert.equal(await chat.locator('[data-testid="softphone"][data-state="connected"]').count(), 1, 'the call goes on');
        const twoWay = caller.tone(CALLER_HZ, 3500);
        await sleep(500);
        const deskAfter = await hears(desk, ALL, 2500);
        await twoWay;
        t.diagnostic(`after 통역 종료 the counselor hears ${JSON.stringify(deskAfter)}`);
        assert.ok(deskAfter[CALLER_HZ] >= 10, `the counselor lost the caller: ${JSON.stringify(deskAfter)}`);
        assert.ok(deskAfter[INTERPRETER_HZ] <= 2, `the interpreter is still heard: ${JSON.stringify(deskAfter)}`);

        // Asked again, the interpreter hangs up after a while by themselves.
        ringing = line(LINE_HANGS_UP, linePort, interp, dir);
        procs.push(ringing);
        await chat.getByTestId('interpreter-start').click();
        await chat.locator('[data-testid="interpreter"][data-joined="yes"]').waitFor({ timeout: 20_000 });
        await chat
          .locator('[data-testid="interpreter-ended"][data-reason="hung_up"]')
          .waitFor({ timeout: 20_000 })
          .catch((err) => assert.fail(`${err.message}\n--- the line's sipp ---\n${ringing.out()}`));
        assert.match(await chat.getByTestId('interpreter-ended').innerText(), /통역사가 전화를 끊었습니다/);
        assert.equal((await exited(ringing, 'the line did not hang up')).code, 0, `the line's sipp failed\n${ringing.out()}`);
        assert.equal(await chat.locator('[data-testid="softphone"][data-state="connected"]').count(), 1, 'the call goes on');
        await w.shot(desk, 'interpreter-hung-up');

        // The in-house interpreter: their desk's browser softphone rings and
        // connects; they hear the caller, the counselor hears them; their
        // 끊기 shows on the counselor's desk as the interpreter hanging up.
        await chat.getByTestId('interpreter-lang').selectOption('zh');
        await chat.getByTestId('interpreter-start').click();
        const card = staff.locator(`[data-testid="interpreting"][data-contact-id="${contactId}"]`);
        await card.locator('xpath=self::*[@data-state="connected"]').waitFor({ timeout: 20_000 });
        await chat.locator('[data-testid="interpreter"][data-joined="yes"]').waitFor({ timeout: 10_000 });
        await w.shot(staff, 'interpreting');
        const staffSpeaks = caller.tone(CALLER_HZ, 3500);
        await sleep(500);
        const [deskHearsStaff, staffHears] = await Promise.all([hears(desk, ALL, 2500), hears(staff, ALL, 2500)]);
        await staffSpeaks;
        t.diagnostic(`in-house: the counselor hears ${JSON.stringify(deskHearsStaff)}, the interpreter ${JSON.stringify(staffHears)}`);
        assert.ok(deskHearsStaff[INTERPRETER_HZ] >= 10, `the counselor does not hear the in-house interpreter: ${JSON.stringify(deskHearsStaff)}`);
        assert.ok(staffHears[CALLER_HZ] >= 10, `the in-house interpreter does not hear the caller: ${JSON.stringify(staffHears)}`);
        await card.getByTestId('interpreting-hangup').click();
        await card.waitFor({ state: 'detached' });
        await chat.locator('[data-testid="interpreter-ended"][data-reason="hung_up"]').waitFor();
        assert.equal(await chat.locator('[data-testid="softphone"][data-state="connected"]').count(), 1, 'the call goes on');
        assert.equal(reads, 0, 'the desk read the contact while following the interpreter');

        await chat.getByTestId('softphone').getByTestId('sp-hangup').click();
        await desk.locator('[data-testid="chat"][data-channel="voice"][data-state="wrapup"]').waitFor();
        await exited(call, 'the server did not hang up the caller');

        // The audit trail has each step, in order.
        let steps = [];
        await eventually(async () => {
          const all = [];
          for (let after = 0; ; ) {
            const r = await fetch(`${w.url}/api/events?limit=1000&after=${after}`, { headers: { cookie: await cookieOf(admin) } });
            assert.equal(r.status, 200);
            const page = (await r.json()) ?? [];
            if (page.length === 0) break;
            all.push(...page);
            after = page[page.length - 1].seq;
          }
          steps = all
            .filter((e) => e.contact_id === contactId && e.type.startsWith('conference.'))
            .map((e) => (e.data?.reason ? `${e.type} ${e.data.reason}` : e.type));
          assert.deepEqual(steps, [
            'conference.requested',
            'conference.joined',
            'conference.left dropped',
            'conference.requested',
            'conference.joined',
            'conference.left hung_up',
            'conference.requested',
            'conference.joined',
            'conference.left hung_up',
          ]);
        });

        // What the caller heard (right) had the interpreter; the caller's
        // own channel (left) never did.
        const file = await recordingOf(w.url, await cookieOf(desk), contactId);
        const left = channel(file, 0);
        const right = channel(file, 1);
        const found = {
          rightInterpreter: toneWindows(right, INTERPRETER_HZ, 8000, MIX_SHARE),
          leftInterpreter: toneWindows(left, INTERPRETER_HZ, 8000, MIX_SHARE),
          leftCaller: toneWindows(left, CALLER_HZ),
        };
        t.diagnostic(`recording, 100 ms windows: ${JSON.stringify(found)}`);
        assert.ok(found.rightInterpreter >= 20, `the interpreter is not on what the caller heard: ${JSON.stringify(found)}`);
        assert.ok(found.leftInterpreter <= 2, `the interpreter is on the caller's channel: ${JSON.stringify(found)}`);
        assert.ok(found.leftCaller >= 20, `the caller is not on the left: ${JSON.stringify(found)}`);
      } finally {
        for (const p of procs) if (p.p.exitCode === null && p.p.signalCode === null) p.p.kill('SIGKILL');
        await Promise.all(procs.map((p) => p.done));
        await Promise.all(peers.map((p) => p.close()));
        await rm(dir, { recursive: true, force: true });
      }
    })();
  },
);
