import t from 'tap';
import { FrustrationTracker } from '../../src/emotion/frustration-tracker.js';

t.test('the voice is compared with the caller’s own start, feature by feature', async (t) => {
  const tracker = new FrustrationTracker();
  // A short first answer ("hello") has only its energy; pitch and rate come from the first turn that has them.
  t.equal(tracker.voiceFrustration({ energyDb: -25 }), 0);
  t.equal(tracker.voiceFrustration({ energyDb: -25, pitchHz: 100, rate: 3 }), 0);
  t.equal(
    tracker.voiceFrustration({ energyDb: -25, pitchHz: 100, rate: 3 }),
    0,
    'the same voice again is calm',
  );
  t.ok(tracker.voiceFrustration({ energyDb: -25, pitchHz: 150, rate: 3 }) >= 0.9, 'half an octave higher');
  t.ok(tracker.voiceFrustration({ energyDb: -13, pitchHz: 100, rate: 3 }) >= 0.9, '12 dB louder');
  t.equal(tracker.voiceFrustration({ energyDb: -25 }), 0, 'a short answer says nothing about pitch or rate');
});
