/**
 * Finds the 40-pin header's gpiochip in sysfs and checks that this process may use it. Since kernel 6.6 sysfs
 * numbers lines globally from the chip's base (512 on a Pi 4, 571 on a Pi 5), so BCM 17 is `base + 17`, never
 * 17: reading the base at run time keeps one config working on every kernel.
 */
import { constants } from 'node:fs';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, LinekeeperError } from '../errors.js';

/** Where the kernel exposes sysfs GPIO. */
export const DEFAULT_SYSFS_GPIO_ROOT = '/sys/class/gpio';

/**
 * Labels of header chips, most specific first: `pinctrl-rp1` is the Pi 5 header (its SoC also shows
 * `pinctrl-bcm2712` chips that are not on the header, so that label is deliberately absent).
 */
export const HEADER_CHIP_LABELS = ['pinctrl-rp1', 'pinctrl-bcm2711', 'pinctrl-bcm2835'] as const;

/** What fixes a permission problem, appended to access errors. */
export const GROUP_HINT =
  'add the user to the gpio group (sudo usermod -aG gpio $USER, then log in again; the linekeeper systemd unit has SupplementaryGroups=gpio)';

/** One gpiochip as sysfs describes it. */
export interface GpioChip {
  /** Directory name, e.g. `gpiochip512`. */
  name: string;
  /** Driver label, e.g. `pinctrl-bcm2711`. */
  label: string;
  /** Global number of the chip's line 0. */
  base: number;
  /** Number of lines. */
  ngpio: number;
}

function unavailable(message: string, cause?: unknown, context?: Record<string, unknown>): LinekeeperError {
  return new LinekeeperError(ErrorCode.Gpio_Unavailable, message, {
    ...(cause === undefined ? {} : { cause }),
    ...(context === undefined ? {} : { context }),
  });
}

async function readTrimmed(file: string): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch (e) {
    throw unavailable(`GPIO is not available: cannot read ${file} (${(e as NodeJS.ErrnoException).code})`, e);
  }
}

async function readCount(file: string): Promise<number> {
  const text = await readTrimmed(file);
  if (!/^\d+$/.test(text)) {
    throw unavailable(`GPIO is not available: ${file} should hold a number, found ${JSON.stringify(text)}`);
  }
  return Number(text);
}

/** Lists the gpiochips under `root`, in directory order. */
export async function listChips(root: string = DEFAULT_SYSFS_GPIO_ROOT): Promise<GpioChip[]> {
  let entries: string[];
  try {
    entries = await readdir(root);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw unavailable(
      code === 'ENOENT'
        ? `GPIO is not available: ${root} does not exist (not a Raspberry Pi, or a kernel without sysfs GPIO)`
        : `GPIO is not available: cannot list ${root} (${code}); ${GROUP_HINT}`,
      e,
    );
  }
  const chips: GpioChip[] = [];
  for (const name of entries.filter((entry) => /^gpiochip\d+$/.test(entry)).sort()) {
    const dir = join(root, name);
    chips.push({
      name,
      label: await readTrimmed(join(dir, 'label')),
      base: await readCount(join(dir, 'base')),
      ngpio: await readCount(join(dir, 'ngpio')),
    });
  }
  return chips;
}

/** Picks the header chip: by `label` when given, else the first known header label present. */
export async function findHeaderChip(
  root: string = DEFAULT_SYSFS_GPIO_ROOT,
  label = 'auto',
): Promise<GpioChip> {
  const chips = await listChips(root);
  const found = chips.map((chip) => `${chip.name} "${chip.label}" base ${chip.base}`).join(', ') || 'none';
  if (label !== 'auto') {
    const chip = chips.find((candidate) => candidate.label === label);
    if (chip === undefined) {
      throw unavailable(
        `GPIO is not available: no gpiochip labelled "${label}" in ${root} (found: ${found})`,
      );
    }
    return chip;
  }
  for (const known of HEADER_CHIP_LABELS) {
    const chip = chips.find((candidate) => candidate.label === known);
    if (chip !== undefined) return chip;
  }
  throw unavailable(
    `GPIO is not available: no Raspberry Pi header gpiochip (${HEADER_CHIP_LABELS.join(', ')}) in ${root} (found: ${found}); set gpio.chip to the label of the header chip`,
  );
}

/** The sysfs number of a BCM pin on `chip`; fails for pins the chip does not have. */
export function sysfsNumber(chip: GpioChip, bcm: number): number {
  if (!Number.isInteger(bcm) || bcm < 0 || bcm >= chip.ngpio) {
    throw unavailable(
      `GPIO is not available: BCM pin ${bcm} is not on ${chip.name} "${chip.label}" (pins 0-${chip.ngpio - 1})`,
    );
  }
  return chip.base + bcm;
}

/** Fails unless `file` can be opened for writing, naming the path and the errno. */
export async function assertWritable(file: string): Promise<void> {
  try {
    // Opening (not `access()`) is the real test: it also fails for directories and read-only mounts as root.
    const handle = await open(file, constants.O_WRONLY);
    await handle.close();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw unavailable(`GPIO is not accessible: ${file} is not writable (${code}); ${GROUP_HINT}`, e, {
      path: file,
      errno: code,
    });
  }
}

/** Checks that lines can be exported and unexported under `root`. */
export async function assertSysfsAccess(root: string = DEFAULT_SYSFS_GPIO_ROOT): Promise<void> {
  try {
    await stat(root);
  } catch (e) {
    throw unavailable(
      `GPIO is not available: ${root} does not exist (not a Raspberry Pi, or a kernel without sysfs GPIO)`,
      e,
    );
  }
  await assertWritable(join(root, 'export'));
  await assertWritable(join(root, 'unexport'));
}
