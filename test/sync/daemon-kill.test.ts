import t from 'tap';
import { runKillSoak } from '../helpers/kill-soak.js';
import { tempDir } from '../helpers/store.js';
import { SyncRig } from '../helpers/sync-rig.js';

// CI runs a short version; `npm run soak:sync -- --kills 200` runs the long one.
const KILLS = Number(process.env.LINEKEEPER_SOAK_KILLS ?? 5);

t.test(`the box daemon killed (SIGKILL) ${KILLS} times during calls and syncs loses nothing`, async (t) => {
  const rig = await SyncRig.start(t);
  await rig.startIngest();
  const dir = await tempDir(t, 'lk-soak-');
  const report = await runKillSoak(rig, dir, { kills: KILLS });
  t.comment(
    `kills ${report.kills}: durable ${report.durable}, recorded ${report.recorded}, stored ${report.stored}, duplicates ${report.duplicates}, missing ${report.missing}`,
  );
  t.ok(report.durable > 0, 'calls were taken between kills');
  t.equal(report.missing, 0, 'every durable call is stored locally and in the cloud');
  t.equal(report.stored, report.recorded);
  t.equal(report.tempFiles, 0, 'no temp files left over');
});
