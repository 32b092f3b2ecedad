/** Test helpers for the record store: a temp data dir, a key, a record factory and a disk that fills up. */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ulid } from 'ulid';
import { RecordCipher } from '../../src/privacy/cipher.js';
import type { CallRecord } from '../../src/records/call-record.js';
import { type DurableIo, nodeDurableIo } from '../../src/store/durable-io.js';

/** A fresh temp directory removed at teardown. */
export async function tempDir(
  t: { teardown(fn: () => unknown): void },
  prefix = 'lk-store-',
): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A cipher with a random key. */
export function testCipher(): RecordCipher {
  return new RecordCipher(randomBytes(32));
}

/** A plausible call record. */
export function makeRecord(overrides: Partial<CallRecord> = {}): CallRecord {
  const startedAt = overrides.startedAt ?? new Date().toISOString();
  return {
    id: ulid(Date.parse(startedAt)),
    startedAt,
    endedAt: new Date(Date.parse(startedAt) + 42_000).toISOString(),
    callerNumber: '+447700900123',
    lang: 'en',
    turns: [
      {
        at: startedAt,
        transcript: 'can I order a birthday cake, my number is 07700 900456',
        intent: 'order',
        reply: 'Of course, for which day?',
      },
    ],
    outcome: 'message',
    message: { name: 'Ann', callback: '07700 900456', text: 'cake for Saturday' },
    ...overrides,
  };
}

/** A disk that can be filled: while `full` is true every write fails with ENOSPC (as the kernel reports it). */
export class FillableDisk implements DurableIo {
  full = false;
  failures = 0;

  #check(file: string): void {
    if (!this.full) return;
    this.failures++;
    throw Object.assign(new Error(`ENOSPC: no space left on device, write '${file}'`), {
      code: 'ENOSPC',
      errno: -28,
      syscall: 'write',
    });
  }

  async append(file: string, data: string): Promise<void> {
    this.#check(file);
    await nodeDurableIo.append(file, data);
  }

  async replace(file: string, data: string | Uint8Array, mode?: number): Promise<void> {
    this.#check(file);
    await nodeDurableIo.replace(file, data, mode);
  }

  remove(file: string): Promise<void> {
    return nodeDurableIo.remove(file);
  }

  move(from: string, to: string): Promise<void> {
    return nodeDurableIo.move(from, to);
  }
}
