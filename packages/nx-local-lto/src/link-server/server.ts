import { rmSync, unlinkSync } from 'node:fs';
import { connect, createServer, Socket } from 'node:net';
import { runStep } from '../executors/run-step';
import { forgetProcessMemos } from '../process/process-memo';
import { abortable } from '../process/spawn';
import { withTaskOutputSink } from '../process/task-output';

/**
 * The link server: one Node process that runs the steps of many tasks (bin/link-client.c
 * sends them), so a link pays for its tools and not for a Node start with the plugin's
 * modules (about 0.07 s of CPU, more than llvm-link and ld.lld take). Started by run-step.js
 * on a socket its client named; it exits when no request came for IDLE_MS, and refuses
 * requests once the plugin's code changed (`stamp`), closing, so a new one starts.
 * Requests run side by side: Nx runs as many links at once as --parallel allows.
 */
const IDLE_MS = 10_000;
const STDOUT = 1;
const STDERR = 2;
const STATUS = 3;
const REFUSED = 4;

function frame(type: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head[0] = type;
  head.writeUInt32LE(payload.length, 1);
  return Buffer.concat([head, payload]);
}

export function serveLinks(socketPath: string, codeStamp: () => string): void {
  // A stamp that cannot be read (the plugin being replaced) is a changed one.
  const stamp = () => {
    try {
      return codeStamp();
    } catch {
      return undefined;
    }
  };
  const born = stamp();
  let active = 0;
  let closing = false;
  let timer: NodeJS.Timeout | undefined;
  const server = createServer((socket) => handle(socket));

  const shutDown = () => {
    if (closing) return;
    closing = true;
    server.close();
    try {
      unlinkSync(socketPath);
    } catch {
      // another server's by now, or gone
    }
  };
  const idle = () => {
    clearTimeout(timer);
    if (closing && active === 0) process.exit(0);
    if (active === 0) timer = setTimeout(() => (shutDown(), process.exit(0)), IDLE_MS);
  };

  function handle(socket: Socket): void {
    clearTimeout(timer);
    const chunks: Buffer[] = [];
    let received = 0;
    let started = false;
    socket.on('error', () => undefined);
    // A client that never sends its request would keep this server from idling out.
    socket.setTimeout(5000, () => started || socket.destroy());
    socket.on('data', (chunk) => {
      if (started) return;
      chunks.push(chunk);
      received += chunk.length;
      if (received < 4) return;
      const all = Buffer.concat(chunks);
      const size = all.readUInt32LE(0);
      if (all.length < 4 + size) return;
      started = true;
      socket.setTimeout(0);
      const [cwd, ...args] = all.subarray(4, 4 + size).toString('utf8').split('\0').slice(0, -1);
      if (closing || born === undefined || stamp() !== born || cwd !== process.cwd()) {
        // Quit once the answer is out (an exit could drop it; the client falls back either way).
        socket.end(frame(REFUSED, Buffer.alloc(0)), () => idle());
        shutDown();
        return;
      }
      void run(socket, cwd, args);
    });
    socket.on('close', () => {
      if (!started) idle();
    });
  }

  async function run(socket: Socket, cwd: string, args: string[]): Promise<void> {
    active++;
    let done = false;
    const send = (type: number, text: string) => {
      if (!socket.destroyed) socket.write(frame(type, Buffer.from(text, 'utf8')));
    };
    if (process.env.NX_VERBOSE_LOGGING === 'true') send(STDOUT, `  (run by the link server, pid ${process.pid}; LOCAL_LTO_LINK_SERVER=off runs each link in a process of its own)\n`);
    forgetProcessMemos();
    const step = abortable(() => withTaskOutputSink({ out: (t) => send(STDOUT, t), err: (t) => send(STDERR, t) }, () => runStep(args, cwd)));
    // The client gone before the status (Ctrl-C, killed): end this step's tools.
    socket.on('close', () => done || step.abort());
    let status = 1;
    try {
      status = await step.result;
    } catch (e) {
      send(STDERR, `nx-local-lto link server: ${e instanceof Error ? e.message : String(e)}\n`);
    }
    done = true;
    const code = Buffer.alloc(4);
    code.writeInt32LE(status);
    // Counted done once the status is out or the client gone: a server told to quit waits for it.
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      active--;
      idle();
    };
    socket.on('close', finish);
    if (socket.destroyed) finish();
    else socket.end(frame(STATUS, code), finish);
  }

  server.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EADDRINUSE') process.exit(1);
    // A server answers there already: leave it. A socket file nobody answers on: take it over.
    const probe = connect(socketPath);
    probe.on('connect', () => process.exit(0));
    probe.on('error', () => {
      try {
        unlinkSync(socketPath);
      } catch {
        // gone meanwhile
      }
      server.listen(socketPath, idle);
    });
  });
  server.listen(socketPath, idle);
  // Listening: a link that finds no server later (this one gone idle) may start the next.
  server.on('listening', () => rmSync(`${socketPath}.starting`, { force: true }));
}
