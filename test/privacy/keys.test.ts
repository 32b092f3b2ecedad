import { chmod, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { RecordCipher } from '../../src/privacy/cipher.js';
import { createKeyFile, loadKeyFile } from '../../src/privacy/key-file.js';
import { tempDir } from '../helpers/store.js';

t.test(
  'the key file is created 0600, refused when readable by others, and seals with AES-256-GCM',
  async (t) => {
    const dir = await tempDir(t, 'lk-keys-');
    const file = join(dir, 'keys', 'records.key');
    const created = await createKeyFile(file);
    t.equal((await stat(file)).mode & 0o777, 0o600);
    await t.rejects(createKeyFile(file), { message: /already exists/ });
    const loaded = await loadKeyFile(file);
    t.same(loaded.recordsKey, created.recordsKey);
    const cipher = new RecordCipher(loaded.recordsKey);
    const sealed = cipher.seal('a transcript', 'id-1');
    t.equal(cipher.open(sealed, 'id-1').toString(), 'a transcript');
    t.throws(() => cipher.open(sealed, 'id-2'), { message: /cannot decrypt data for id-2/ });
    sealed.writeUInt8((sealed.at(-1) ?? 0) ^ 1, sealed.length - 1);
    t.throws(() => cipher.open(sealed, 'id-1'), { message: /altered/ });
    await chmod(file, 0o644);
    await t.rejects(loadKeyFile(file), { message: /mode 644; it must be 600/ });
    await t.rejects(loadKeyFile(join(dir, 'none.key')), { message: /linekeeper keys init/ });
    const junk = join(dir, 'junk.key');
    await writeFile(junk, 'hello', { mode: 0o600 });
    await t.rejects(loadKeyFile(junk), { message: /not a Linekeeper key file/ });
  },
);
