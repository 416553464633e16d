// Starts a throw-away minwon demo server for one test file.
//
//   const srv = await startServer();   // { url, sip, stop(), stderrTail(), stdoutTail() }
//   startServer({ extraArgs: ['--sip', '127.0.0.1:5099'] })  // srv.sip: '127.0.0.1:5099'
//   ...
//   await srv.stop();                  // kills it and removes its data directory
//
// The binary is $MINWON_BIN (the Makefile passes bin/minwon). Without it the
// binary is built with `go build` from the repository root into a temp
// directory, once per process; such a binary carries the web UI only if
// ui/dist was built before (`make build` does both).

import { spawn, execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, rm, access } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..');

const START_TIMEOUT_MS = 30_000; // seeding the demo store is the slow part
const TAIL_LINES = 60;

let built = null; // promise of a binary built by this process

async function binary() {
  if (process.env.MINWON_BIN) return process.env.MINWON_BIN;
  built ??= (async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'minwon-e2e-bin-'));
    const out = path.join(dir, 'minwon');
    try {
      await access(path.join(repoRoot, 'ui', 'dist', 'index.html'));
    } catch {
      process.stderr.write(
        'e2e: ui/dist/index.html is missing; the binary will have no web UI. Run `make build` first.\n',
      );
    }
    await promisify(execFile)('go', ['build', '-o', out, './cmd/minwon'], {
      cwd: repoRoot,
      maxBuffer: 16 << 20,
    });
    process.on('exit', () => rmSync(dir, { recursive: true, force: true })); // 'exit' allows only sync work
    return out;
  })();
  return built;
}

/** Keeps the last n lines written to a stream. */
function tail(stream, n) {
  const lines = [];
  let partial = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop();
    for (const l of parts) {
      lines.push(l);
      if (lines.length > n) lines.shift();
    }
  });
  return () => [...lines, ...(partial ? [partial] : [])].join('\n');
}

/**
 * Starts `minwon serve --demo` on a loopback port with a fresh data directory
 * and waits until /healthz answers 200.
 */
export async function startServer({ acw = '2s', bot = false, extraArgs = [] } = {}) {
  const bin = await binary();
  const data = await mkdtemp(path.join(tmpdir(), 'minwon-e2e-data-'));
  // The demo's bot answers chats first; the tests of counselors' work turn it
  // off so a citizen queues at once, and bot.test.mjs turns it on.
  const args = ['serve', '--demo', '--data', data, '--http', '127.0.0.1:0', '--acw', acw, `--bot=${bot}`, ...extraArgs];
  const proc = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env } });
  const stdoutTail = tail(proc.stdout, TAIL_LINES);
  const stderrTail = tail(proc.stderr, TAIL_LINES);
  let exited = null;
  const exit = new Promise((resolve) => {
    proc.on('exit', (code, signal) => {
      exited = { code, signal };
      resolve(exited);
    });
    proc.on('error', (err) => {
      exited = { code: null, signal: null, err };
      resolve(exited);
    });
  });

  let stopped = false;
  async function stop() {
    if (stopped) return;
    stopped = true;
    if (!exited) {
      proc.kill('SIGTERM'); // first signal: drain and shut down
      const t = setTimeout(() => proc.kill('SIGKILL'), 3000);
      await exit;
      clearTimeout(t);
    }
    await rm(data, { recursive: true, force: true });
  }

  const describe = () =>
    `minwon ${args.join(' ')}\n--- stdout (tail) ---\n${stdoutTail()}\n--- stderr (tail) ---\n${stderrTail()}`;

  let buf = ''; // stdout up to and after the address line
  try {
    const url = await new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`minwon did not print its address within ${START_TIMEOUT_MS / 1000}s`)),
        START_TIMEOUT_MS,
      );
      proc.stdout.on('data', (chunk) => {
        buf += chunk;
        const m = buf.match(/serving on (http:\/\/127\.0\.0\.1:\d+)/);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      exit.then((e) => {
        clearTimeout(timer);
        reject(new Error(`minwon exited early (${e.err ? e.err.message : `code ${e.code}, signal ${e.signal}`})`));
      });
    });

    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (exited) throw new Error(`minwon exited (code ${exited.code}) before /healthz answered`);
      try {
        const r = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
        if (r.status === 200) break;
      } catch {
        /* not listening yet */
      }
      if (Date.now() > deadline) throw new Error(`GET ${url}/healthz did not answer 200 within ${START_TIMEOUT_MS / 1000}s`);
      await new Promise((r) => setTimeout(r, 100));
    }

    // A binary built without ui/dist serves no pages; say so plainly.
    const page = await fetch(`${url}/chat/hanbit`);
    if (page.status !== 200) {
      throw new Error(`GET /chat/hanbit answered ${page.status}: ${(await page.text()).slice(0, 200)} — was the UI built (make build)?`);
    }

    // The phone channel's address, when SIP is on ("  phone:   sip:NUMBER@ADDR").
    const sip = buf.match(/phone:\s+sip:NUMBER@(\S+)/)?.[1] ?? null;
    return { url, sip, stop, stderrTail, stdoutTail, describe, data };
  } catch (err) {
    process.stderr.write(`\n${describe()}\n`);
    await stop();
    throw err;
  }
}
