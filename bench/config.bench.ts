/** How long loading and validating the example shop profile takes (every boot and every fleet push does it). */
import { fileURLToPath } from 'node:url';
import { loadShopProfile } from '../src/config/load.js';
import { type Benchmark, elapsedMs, quantile } from './harness.js';

const PROFILE = fileURLToPath(new URL('../../examples/shop-bakery.yaml', import.meta.url));

/** Profile load and validation time. */
export const benchmark: Benchmark = {
  figures: ['config_shop_load_p50_ms', 'config_shop_load_p95_ms'],
  async run() {
    const samples: number[] = [];
    for (let i = 0; i < 60; i++) {
      const start = performance.now();
      await loadShopProfile(PROFILE);
      if (i >= 10) samples.push(elapsedMs(start));
    }
    return {
      config_shop_load_p50_ms: quantile(samples, 0.5),
      config_shop_load_p95_ms: quantile(samples, 0.95),
    };
  },
};
