/** Generates a /sys/class/gpio look-alike in a temp directory, removed when the test ends. */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One chip to lay out. */
export interface ChipSpec {
  label: string;
  base: number;
  ngpio: number;
  /** Override the text of the `base` file (to test garbage). */
  baseText?: string;
}

/** Layout options. */
export interface TreeOptions {
  /** Create `export`/`unexport` as writable files (default true); false leaves them out. */
  writable?: boolean;
}

/** Pi 4 on kernel 6.6: the header chip at 512 plus the GPIO expander. */
export const PI4_CHIPS: ChipSpec[] = [
  { label: 'pinctrl-bcm2711', base: 512, ngpio: 58 },
  { label: 'raspberrypi-exp-gpio', base: 570, ngpio: 8 },
];

/** Pi 5 on kernel 6.6: SoC chips that are not the header, then the RP1 header chip at 571. */
export const PI5_CHIPS: ChipSpec[] = [
  { label: 'gpio-brcmstb@107d508500', base: 512, ngpio: 32 },
  { label: 'pinctrl-bcm2712', base: 544, ngpio: 27 },
  { label: 'pinctrl-rp1', base: 571, ngpio: 54 },
];

/** Creates the tree and returns its root; `t.teardown` removes it. */
export async function makeSysfsTree(
  t: { teardown(fn: () => Promise<void>): void },
  chips: ChipSpec[],
  options: TreeOptions = {},
): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'linekeeper-sysfs-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  if (options.writable ?? true) {
    await writeFile(join(root, 'export'), '');
    await writeFile(join(root, 'unexport'), '');
  }
  for (const chip of chips) {
    const dir = join(root, `gpiochip${chip.base}`);
    await mkdir(dir);
    await writeFile(join(dir, 'label'), `${chip.label}\n`);
    await writeFile(join(dir, 'base'), `${chip.baseText ?? chip.base}\n`);
    await writeFile(join(dir, 'ngpio'), `${chip.ngpio}\n`);
  }
  return root;
}
