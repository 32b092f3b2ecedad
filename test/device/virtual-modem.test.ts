import t from 'tap';
import { VirtualModem } from '../../device/emulator/virtual-modem.js';
import { profileById } from '../../device/profiles/index.js';

t.test('the audio the box sent, all of it or from a sample on', async (t) => {
  const modem = new VirtualModem(profileById('sim7600'));
  t.teardown(() => modem.dispose());
  modem.recorded.push(Int16Array.from([1, 2, 3]), Int16Array.from([4, 5]), Int16Array.from([6, 7, 8]));
  t.same([...modem.recordedSamples()], [1, 2, 3, 4, 5, 6, 7, 8]);
  t.same([...modem.recordedSamples(2)], [3, 4, 5, 6, 7, 8], 'from inside a chunk');
  t.same([...modem.recordedSamples(5)], [6, 7, 8], 'from a chunk boundary');
  t.same([...modem.recordedSamples(8)], [], 'from the end');
  t.same([...modem.recordedSamples(20)], [], 'from past the end');
});
