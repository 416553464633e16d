// A supervisor with no desk phone coaches a call from the status board in
// the browser softphone. The counselor takes the call in theirs. Each page
// has its own microphone tone (the counselor 1 kHz, the supervisor 1.25 kHz)
// and the caller's handset (this test's RTP socket) plays 600 Hz, so what
// each one hears tells the mix apart:
//   듣기    the supervisor's browser hears the caller and the counselor;
//           the counselor does not hear the supervisor;
//   귓속말  the counselor's browser hears the supervisor too;
//   and the recording (what the caller heard, on the right) never has the
//   supervisor in it.
//
// sipp comes from scripts/deps.sh (Debian package sip-tester). Without it the
// test skips, except in CI, where it fails.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cookieOf, login, openPage, softphoneReady, world } from './harness.mjs';
import { freePort, rtpPeer, runSipp, sipp } from './sip.mjs';
import { channel, hears, recordingOf, toneMic, toneWindows } from './audio.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const SCENARIO = path.join(here, 'testdata', 'caller_on_hold.xml');

const CALLER_HZ = 600;
const COUNSELOR_HZ = 1000;
// Not a multiple of 200 Hz: G.711 distortion of the other two makes
// intermodulation products at 200 Hz steps (2 × 1000 − 600 = 1400).
const SUPERVISOR_HZ = 1250;
const ALL = [CALLER_HZ, COUNSELOR_HZ, SUPERVISOR_HZ];

const sipPort = sipp ? await freePort() : 0;
const w = sipp
  ? world('coach-softphone', {
      server: { extraArgs: ['--sip', `127.0.0.1:${sipPort}`] },
      browserArgs: ['--use-fake-ui-for-media-stream', '--allow-loopback-in-peer-connection', '--autoplay-policy=no-user-gesture-required'],
    })
  : null;

test(
  'a supervisor listens and whispers from the board in the browser softphone',
  { timeout: 180_000, skip: sipp ? false : 'sipp is not installed (apt-get install sip-tester, or scripts/deps.sh)' },
  async (t) => {
    await w.run(async () => {
      const dir = await mkdtemp(path.join(tmpdir(), 'minwon-e2e-coach-softphone-'));
      try {
        const desk = await w.person('counselor01');
        await toneMic(desk, COUNSELOR_HZ);
        await softphoneReady(w, desk, 'counselor01');

        // The supervisor turns the browser phone on from the board itself.
        const board = await w.person('supervisor01');
        await toneMic(board, SUPERVISOR_HZ);
        await login(board, w.url, 'supervisor01');
        await openPage(board, 'board');
        await board.getByTestId('board-softphone').getByTestId('softphone-toggle').check();
        await board.locator('[data-testid="softphone-toggle"][data-registered="yes"]').waitFor();

        const peer = await rtpPeer();
        const caller = runSipp(
          ['-sf', SCENARIO, '-s', '120', '-i', '127.0.0.1', '-p', String(await freePort()), '-mp', String(await freePort()),
            '-t', 'u1', '-m', '1', '-timeout', '150s', '-timeout_error', '-nostdin',
            '-set', 'rtpport', String(peer.sock.address().port), w.srv.sip],
          dir,
        );
        try {
          const offer = desk.locator('[data-testid="offer-card"][data-channel="voice"]');
          const deadline = Date.now() + 40_000;
          while ((await offer.count()) === 0) {
            assert.ok(Date.now() < deadline, `no call offer within 40 s (RTP packets from the IVR: ${peer.packets})\n${caller.out()}`);
            if (peer.packets > 0) await peer.press('1');
            await new Promise((r) => setTimeout(r, 400));
          }
          await offer.getByTestId('offer-accept').click();
          const call = desk.locator('[data-testid="chat"][data-channel="voice"][data-state="active"]');
          const contactId = await call.getAttribute('data-contact-id');
          await call.locator('[data-testid="softphone"][data-state="connected"]').waitFor({ timeout: 20_000 });

          // 듣기 rings the board's softphone, not a SIP phone (there is none).
          const row = board.locator(`[data-testid="live-row"][data-contact-id="${contactId}"]`);
          await row.getByTestId('coach-listen').click();
          await row.locator('[data-testid="coach-softphone"][data-state="connected"]').waitFor({ timeout: 25_000 });
          assert.equal(await row.getByTestId('coach-softphone').textContent(), '이 브라우저로 연결됨');
          await desk.locator('[data-testid="call-coach"][data-mode="listen"]').waitFor();
          await w.shot(board, 'listening');

          // Each measure runs while the caller speaks.
          const during = async (measure) => {
            const speaking = peer.tone(CALLER_HZ, 4500);
            await new Promise((r) => setTimeout(r, 500));
            const got = await measure();
            await speaking;
            return got;
          };
          const [supListen, deskListen] = await during(() => Promise.all([hears(board, ALL, 3000), hears(desk, ALL, 3000)]));
          t.diagnostic(`listen: the supervisor hears ${JSON.stringify(supListen)}, the counselor ${JSON.stringify(deskListen)}`);
          assert.ok(supListen[CALLER_HZ] >= 10, `the supervisor does not hear the caller: ${JSON.stringify(supListen)}`);
          assert.ok(supListen[COUNSELOR_HZ] >= 10, `the supervisor does not hear the counselor: ${JSON.stringify(supListen)}`);
          assert.ok(supListen[SUPERVISOR_HZ] <= 2, `the supervisor hears themselves: ${JSON.stringify(supListen)}`);
          assert.ok(deskListen[CALLER_HZ] >= 10, `the counselor does not hear the caller: ${JSON.stringify(deskListen)}`);
          assert.ok(deskListen[SUPERVISOR_HZ] <= 2, `the counselor hears a listening supervisor: ${JSON.stringify(deskListen)}`);

          // 귓속말: the counselor hears the supervisor, on the same leg.
          await row.getByTestId('coach-whisper').click();
          await desk.locator('[data-testid="call-coach"][data-mode="whisper"]').waitFor();
          const [supWhisper, deskWhisper] = await during(() => Promise.all([hears(board, ALL, 3000), hears(desk, ALL, 3000)]));
          t.diagnostic(`whisper: the supervisor hears ${JSON.stringify(supWhisper)}, the counselor ${JSON.stringify(deskWhisper)}`);
          assert.ok(deskWhisper[SUPERVISOR_HZ] >= 10, `the counselor does not hear the whisper: ${JSON.stringify(deskWhisper)}`);
          assert.ok(deskWhisper[CALLER_HZ] >= 10, `the whisper drowned the caller: ${JSON.stringify(deskWhisper)}`);
          assert.ok(supWhisper[CALLER_HZ] >= 10, `the supervisor stopped hearing the caller: ${JSON.stringify(supWhisper)}`);
          assert.equal(await row.locator('[data-testid="coach-softphone"][data-state="connected"]').count(), 1, 'the leg stays up across modes');

          // 나가기 hangs the board's softphone up; the call goes on.
          await row.getByTestId('coach-leave').click();
          await row.getByTestId('coach-softphone').waitFor({ state: 'detached' });
          await desk.locator('[data-testid="call-coach"]').waitFor({ state: 'detached' });

          await call.getByTestId('softphone').getByTestId('sp-hangup').click();
          await desk.locator('[data-testid="chat"][data-channel="voice"][data-state="wrapup"]').waitFor();
          const exit = await Promise.race([caller.done, new Promise((r) => setTimeout(() => r(null), 15_000))]);
          assert.ok(exit, `the server did not hang up the caller within 15 s\n${caller.out()}`);

          // What the caller heard (right) had the counselor and never the supervisor.
          const file = await recordingOf(w.url, await cookieOf(desk), contactId);
          const left = channel(file, 0);
          const right = channel(file, 1);
          const found = {
            leftCaller: toneWindows(left, CALLER_HZ),
            rightCounselor: toneWindows(right, COUNSELOR_HZ),
            rightSupervisor: toneWindows(right, SUPERVISOR_HZ),
            leftSupervisor: toneWindows(left, SUPERVISOR_HZ),
          };
          t.diagnostic(`recording, 100 ms windows: ${JSON.stringify(found)}`);
          assert.ok(found.leftCaller >= 20, `the caller is not on the left: ${JSON.stringify(found)}`);
          assert.ok(found.rightCounselor >= 20, `the counselor is not on the right: ${JSON.stringify(found)}`);
          assert.ok(found.rightSupervisor <= 2 && found.leftSupervisor <= 2, `the caller heard a whisper: ${JSON.stringify(found)}`);
        } finally {
          if (caller.p.exitCode === null && caller.p.signalCode === null) caller.p.kill('SIGKILL');
          await caller.done;
          await peer.close();
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    })();
  },
);
