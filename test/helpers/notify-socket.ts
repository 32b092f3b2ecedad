/**
 * A stand-in for systemd's notification socket: a real AF_UNIX datagram socket bound by python3 (Node cannot
 * bind one), printing each datagram as a JSON line so tests can wait for READY=1, WATCHDOG=1, STOPPING=1.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const LISTENER = `
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print(json.dumps("LISTENING"), flush=True)
while True:
    print(json.dumps(s.recv(65536).decode()), flush=True)
`;

/** A listening notify socket and the messages received so far. */
export class NotifySocket {
  /** Every datagram received, in order (BARRIER=1 round trips of systemd-notify included). */
  readonly messages: string[] = [];
  #waiters: (() => void)[] = [];

  private constructor(
    readonly path: string,
    readonly dir: string,
    readonly child: ChildProcess,
  ) {}

  /** Binds a new socket in a temp directory and resolves once it listens. */
  static async start(): Promise<NotifySocket> {
    const dir = await mkdtemp(join(tmpdir(), 'lk-notify-'));
    const path = join(dir, 'notify.sock');
    const child = spawn('python3', ['-c', LISTENER, path], { stdio: ['ignore', 'pipe', 'inherit'] });
    const socket = new NotifySocket(path, dir, child);
    let buffer = '';
    await new Promise<void>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`the notify listener exited with ${code}`)));
      child.stdout?.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        let newline = buffer.indexOf('\n');
        while (newline >= 0) {
          const value = JSON.parse(buffer.slice(0, newline)) as string;
          buffer = buffer.slice(newline + 1);
          if (value === 'LISTENING') resolve();
          else socket.#received(value);
          newline = buffer.indexOf('\n');
        }
      });
    });
    return socket;
  }

  /** Messages other than systemd-notify's BARRIER=1 round trips. */
  get notifications(): string[] {
    return this.messages.filter((m) => m !== 'BARRIER=1');
  }

  /** Resolves with the first notification (new or already received) that matches, or rejects after `timeoutMs`. */
  waitFor(predicate: (message: string) => boolean, timeoutMs = 10_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.notifications.find(predicate);
        if (found === undefined) return false;
        clearTimeout(timer);
        resolve(found);
        return true;
      };
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(
          new Error(`no matching notification within ${timeoutMs} ms; got ${JSON.stringify(this.messages)}`),
        );
      }, timeoutMs);
      const waiter = () => {
        if (check()) this.#waiters = this.#waiters.filter((w) => w !== waiter);
      };
      if (!check()) this.#waiters.push(waiter);
    });
  }

  /** Stops the listener and removes the socket. */
  async dispose(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      await exited;
    }
    await rm(this.dir, { recursive: true, force: true });
  }

  #received(message: string): void {
    this.messages.push(message);
    for (const waiter of [...this.#waiters]) waiter();
  }
}
