/**
 * A minimal WASI preview1 host in JavaScript for running a command-line WASM program (flite) whose only file is
 * the one it writes: arguments, stdout/stderr, one preopened directory whose files live in memory, a clock.
 *
 * Why not `node:wasi`: on Node 20 its fast-call bindings can trigger a garbage collection in the middle of a
 * call and keep using the memory it had looked up, which corrupts the heap; the speech worker died with SIGSEGV
 * in V8 every few calls (nodejs/node#46777). This host reads `memory.buffer` afresh on every call, so memory
 * growth inside the program is always seen, and writes no temp files.
 */

const SUCCESS = 0;
const EBADF = 8;
const EINVAL = 28;
const ENOENT = 44;
const FILETYPE_CHARACTER_DEVICE = 2;
const FILETYPE_DIRECTORY = 3;
const FILETYPE_REGULAR_FILE = 4;
const OFLAGS_TRUNC = 8;
const PREOPEN_FD = 3;

/** Thrown by proc_exit to unwind the program. */
class ProgramExit {
  constructor(readonly code: number) {}
}

/** A growable in-memory file with a position (the WAV writer seeks back to patch its header). */
class MemoryFile {
  bytes = new Uint8Array(0);
  length = 0;
  position = 0;

  write(data: Uint8Array): void {
    const end = this.position + data.length;
    if (end > this.bytes.length) {
      const grown = new Uint8Array(Math.max(end, this.bytes.length * 2, 4096));
      grown.set(this.bytes.subarray(0, this.length));
      this.bytes = grown;
    }
    this.bytes.set(data, this.position);
    this.position = end;
    this.length = Math.max(this.length, end);
  }

  content(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }
}

/** The result of running a program: exit code, what it wrote to stderr, and the files it created. */
export interface ProgramRun {
  code: number;
  stderr: string;
  files: Map<string, Uint8Array>;
}

interface Memory {
  buffer: ArrayBuffer;
}

/**
 * Runs a compiled WASI command with `args` (args[0] is the program name) and a preopened directory `dir`
 * (e.g. "/out") that starts empty; returns the files it wrote there.
 */
export async function runWasiProgram(
  module: object,
  args: readonly string[],
  dir: string,
  instantiate: (module: object, imports: object) => Promise<object>,
): Promise<ProgramRun> {
  let memory: Memory | undefined;
  const view = () => new DataView((memory as Memory).buffer);
  const bytes = (ptr: number, len: number) => new Uint8Array((memory as Memory).buffer, ptr, len);
  const encoder = new TextEncoder();
  const encodedArgs = args.map((a) => encoder.encode(`${a}\0`));
  const dirName = encoder.encode(dir);
  const stderr: Uint8Array[] = [];
  const files = new Map<string, MemoryFile>();
  const open = new Map<number, MemoryFile>();
  let nextFd = PREOPEN_FD + 1;

  const gather = (iovs: number, count: number): Uint8Array[] => {
    const out: Uint8Array[] = [];
    for (let i = 0; i < count; i++) {
      const base = view().getUint32(iovs + i * 8, true);
      const len = view().getUint32(iovs + i * 8 + 4, true);
      out.push(bytes(base, len).slice());
    }
    return out;
  };

  const wasi = {
    args_sizes_get(countPtr: number, sizePtr: number): number {
      view().setUint32(countPtr, encodedArgs.length, true);
      view().setUint32(
        sizePtr,
        encodedArgs.reduce((n, a) => n + a.length, 0),
        true,
      );
      return SUCCESS;
    },
    args_get(argvPtr: number, bufPtr: number): number {
      let at = bufPtr;
      encodedArgs.forEach((arg, i) => {
        view().setUint32(argvPtr + i * 4, at, true);
        bytes(at, arg.length).set(arg);
        at += arg.length;
      });
      return SUCCESS;
    },
    clock_time_get(_id: number, _precision: bigint, timePtr: number): number {
      view().setBigUint64(timePtr, BigInt(Date.now()) * 1_000_000n, true);
      return SUCCESS;
    },
    fd_close(fd: number): number {
      return open.delete(fd) || fd <= PREOPEN_FD ? SUCCESS : EBADF;
    },
    fd_fdstat_get(fd: number, statPtr: number): number {
      const type =
        fd <= 2
          ? FILETYPE_CHARACTER_DEVICE
          : fd === PREOPEN_FD
            ? FILETYPE_DIRECTORY
            : open.has(fd)
              ? FILETYPE_REGULAR_FILE
              : undefined;
      if (type === undefined) return EBADF;
      const v = view();
      v.setUint8(statPtr, type);
      v.setUint16(statPtr + 2, 0, true);
      v.setBigUint64(statPtr + 8, 0xffff_ffff_ffff_ffffn, true);
      v.setBigUint64(statPtr + 16, 0xffff_ffff_ffff_ffffn, true);
      return SUCCESS;
    },
    fd_fdstat_set_flags(): number {
      return SUCCESS;
    },
    fd_prestat_get(fd: number, prestatPtr: number): number {
      if (fd !== PREOPEN_FD) return EBADF;
      view().setUint8(prestatPtr, 0);
      view().setUint32(prestatPtr + 4, dirName.length, true);
      return SUCCESS;
    },
    fd_prestat_dir_name(fd: number, pathPtr: number, pathLen: number): number {
      if (fd !== PREOPEN_FD) return EBADF;
      bytes(pathPtr, Math.min(pathLen, dirName.length)).set(dirName.subarray(0, pathLen));
      return SUCCESS;
    },
    fd_read(_fd: number, _iovs: number, _count: number, readPtr: number): number {
      view().setUint32(readPtr, 0, true);
      return SUCCESS;
    },
    fd_seek(fd: number, offset: bigint, whence: number, newPtr: number): number {
      const file = open.get(fd);
      if (file === undefined) return EBADF;
      const base = whence === 0 ? 0 : whence === 1 ? file.position : file.length;
      const position = base + Number(offset);
      if (position < 0) return EINVAL;
      file.position = position;
      view().setBigUint64(newPtr, BigInt(position), true);
      return SUCCESS;
    },
    fd_write(fd: number, iovs: number, count: number, writtenPtr: number): number {
      const chunks = gather(iovs, count);
      const file = open.get(fd);
      if (file !== undefined) for (const c of chunks) file.write(c);
      else if (fd === 2) stderr.push(...chunks);
      else if (fd !== 1) return EBADF;
      view().setUint32(
        writtenPtr,
        chunks.reduce((n, c) => n + c.length, 0),
        true,
      );
      return SUCCESS;
    },
    path_open(
      dirFd: number,
      _dirFlags: number,
      pathPtr: number,
      pathLen: number,
      oflags: number,
      _rightsBase: bigint,
      _rightsInheriting: bigint,
      _fdFlags: number,
      fdPtr: number,
    ): number {
      if (dirFd !== PREOPEN_FD) return EBADF;
      const name = new TextDecoder().decode(bytes(pathPtr, pathLen));
      let file = files.get(name);
      if (file === undefined) {
        // Only files the program creates exist here: opening anything else for reading finds nothing.
        if ((oflags & 1) === 0) return ENOENT;
        file = new MemoryFile();
        files.set(name, file);
      } else if ((oflags & OFLAGS_TRUNC) !== 0) {
        file.length = 0;
        file.position = 0;
      }
      const fd = nextFd++;
      open.set(fd, file);
      view().setUint32(fdPtr, fd, true);
      return SUCCESS;
    },
    proc_exit(code: number): never {
      throw new ProgramExit(code);
    },
  };

  const instance = (await instantiate(module, { wasi_snapshot_preview1: wasi })) as {
    exports: { memory: Memory; _start: () => void };
  };
  memory = instance.exports.memory;
  let code = 0;
  try {
    instance.exports._start();
  } catch (e) {
    if (!(e instanceof ProgramExit)) throw e;
    code = e.code;
  }
  return {
    code,
    stderr: Buffer.concat(stderr).toString('utf8'),
    files: new Map([...files].map(([name, f]) => [name, f.content()])),
  };
}
