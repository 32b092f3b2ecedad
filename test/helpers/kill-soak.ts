/**
 * The daemon-kill scenario (fleet.md R3): a box daemon process takes calls and syncs while it is killed with
 * SIGKILL at random moments, again and again; then a final run drains the outbox. Pass: every call the daemon
 * reported durable is in the store, every stored call reached PostgreSQL, no temp files are left over.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createKeyFile } from '../../src/privacy/key-file.js';
import { ROOT } from './paths.js';
import type { SyncRig } from './sync-rig.js';

/** What a soak found. */
export interface SoakReport {
  kills: number;
  /** Calls the daemon confirmed durable before a kill. */
  durable: number;
  /** Records in the store after the last run. */
  recorded: number;
  /** Summary events stored by the cloud. */
  stored: number;
  /** Duplicates the cloud absorbed. */
  duplicates: number;
  /** Durable calls missing from the store, or stored calls missing from the cloud. */
  missing: number;
  /** Temp files left in the data directory. */
  tempFiles: number;
}

function lines(child: ChildProcess, onLine: (line: string) => void): void {
  let buffer = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    for (const line of parts) onLine(line);
  });
}

function spawnChild(config: string, mode: 'calls' | 'drain'): ChildProcess {
  return spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'test/helpers/sync-daemon-child.ts'), config, mode],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
}

async function tempFilesIn(dir: string): Promise<number> {
  let count = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.tmp')) count++;
  }
  return count;
}

/** Runs `kills` kill cycles against a box `deviceId` in `dir`, then drains and counts. */
export async function runKillSoak(
  rig: SyncRig,
  dir: string,
  options: { kills: number; deviceId?: string; progress?: (line: string) => void },
): Promise<SoakReport> {
  const deviceId = options.deviceId ?? 'shop-soak';
  const cert = await rig.pki.issue(deviceId, 'client');
  const keyFile = join(dir, 'records.key');
  await createKeyFile(keyFile);
  const config = join(dir, 'config.yaml');
  await writeFile(
    config,
    [
      'version: 1',
      `device: { id: ${deviceId} }`,
      `shopProfile: ${join(ROOT, 'examples/shop-bakery.yaml')}`,
      `storage: { dataDir: ${join(dir, 'data')}, minFreeMb: 10 }`,
      `privacy: { encryptionKeyFile: ${keyFile} }`,
      `mqtt: { enabled: true, url: "${rig.broker.url}", caFile: ${rig.pki.ca.cert}, certFile: ${cert.cert}, keyFile: ${cert.key}, keepaliveSeconds: 5, reconnectMinMs: 50, reconnectMaxMs: 500, ackTimeoutSeconds: 1 }`,
      'log: { level: error }',
      '',
    ].join('\n'),
  );
  const durable = new Set<string>();
  for (let kill = 0; kill < options.kills; kill++) {
    const child = spawnChild(config, 'calls');
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const ready = new Promise<void>((resolve, reject) => {
      lines(child, (line) => {
        if (line === 'ready') resolve();
        else if (line.startsWith('durable ')) durable.add(line.slice(8));
      });
      child.once('exit', (code, signal) =>
        reject(new Error(`daemon exited (${code ?? signal}) before ready:\n${stderr}`)),
      );
    });
    await ready;
    // The random kill moment is the injected fault: somewhere in calls, appends, publishes and acks.
    await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 400));
    child.kill('SIGKILL');
    await exited;
    options.progress?.(`kill ${kill + 1}/${options.kills}: ${durable.size} durable calls so far`);
  }
  const drain = spawnChild(config, 'drain');
  let stderr = '';
  drain.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const result = await new Promise<{ depth: number; ids: string[] }>((resolve, reject) => {
    lines(drain, (line) => {
      if (line.startsWith('drained ')) resolve(JSON.parse(line.slice(8)) as { depth: number; ids: string[] });
    });
    drain.once('exit', (code) =>
      reject(new Error(`drain run exited (${code}) without draining:\n${stderr}`)),
    );
  });
  await new Promise<void>((resolve) =>
    drain.exitCode === null ? drain.once('exit', () => resolve()) : resolve(),
  );
  const inStore = new Set(result.ids);
  const rows = await rig.stored(deviceId);
  const cloudCalls = new Set(rows.filter((r) => r.kind === 'summary').map((r) => r.callId));
  const missingFromStore = [...durable].filter((id) => !inStore.has(id)).length;
  const missingFromCloud = [...inStore].filter((id) => !cloudCalls.has(id)).length;
  return {
    kills: options.kills,
    durable: durable.size,
    recorded: inStore.size,
    stored: cloudCalls.size,
    duplicates: rig.ingests.reduce((sum, i) => sum + i.stats.duplicates, 0),
    missing: missingFromStore + missingFromCloud,
    tempFiles: await tempFilesIn(join(dir, 'data')),
  };
}
