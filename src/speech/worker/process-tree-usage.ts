/**
 * Memory and CPU of the speech worker together with the processes it runs (the pocketsphinx decoder, espeak-ng
 * for Mandarin), read from /proc: Node's own counters see only the worker, and a decoder's model in another
 * process is memory and CPU the box pays for all the same.
 */
import { readdir, readFile } from 'node:fs/promises';

/** Linux reports process times in USER_HZ ticks, 100 per second on every architecture it runs on. */
const TICK_MS = 10;

/** Resource use of a process tree. */
export interface TreeUsage {
  rssMb: number;
  cpuUserMs: number;
  cpuSystemMs: number;
}

/** The fields of /proc/<pid>/stat after the command name (which may itself hold spaces and parentheses). */
function statFields(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** Resident memory of a process in MB, from its status file. */
function rssMb(status: string): number {
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
  return kb === undefined ? 0 : Number(kb) / 1024;
}

/** The live child processes of this one, with the fields of their /proc stat after the name. */
export async function childProcesses(): Promise<{ pid: number; fields: string[] }[]> {
  const children: { pid: number; fields: string[] }[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = statFields(await readFile(`/proc/${entry}/stat`, 'utf8'));
      if (Number(fields[1]) === process.pid) children.push({ pid: Number(entry), fields });
    } catch {
      // Ended while we looked.
    }
  }
  return children;
}

/**
 * This process and its live children: resident memory summed, CPU of this process plus that of its live
 * children plus that of the children it has already reaped (cutime/cstime).
 */
export async function processTreeUsage(): Promise<TreeUsage> {
  const own = process.cpuUsage();
  const self = statFields(await readFile('/proc/self/stat', 'utf8'));
  // Fields after the name: state(0) ppid(1) … utime(11) stime(12) cutime(13) cstime(14).
  let cpuUserMs = own.user / 1000 + Number(self[13]) * TICK_MS;
  let cpuSystemMs = own.system / 1000 + Number(self[14]) * TICK_MS;
  let rss = process.memoryUsage.rss() / 1048576;
  for (const { pid, fields } of await childProcesses()) {
    cpuUserMs += Number(fields[11]) * TICK_MS;
    cpuSystemMs += Number(fields[12]) * TICK_MS;
    try {
      rss += rssMb(await readFile(`/proc/${pid}/status`, 'utf8'));
    } catch {
      // Ended after its stat was read: it holds no memory any more.
    }
  }
  return { rssMb: rss, cpuUserMs, cpuSystemMs };
}
