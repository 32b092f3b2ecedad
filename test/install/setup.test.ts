import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { loadKeyFile } from '../../src/privacy/key-file.js';
import { ROOT } from '../helpers/paths.js';
import { idOf, manifest, setup, stagedRoot } from '../helpers/setup-script.js';

t.test(
  'setup.sh --root installs a box with the right owners and modes, and a second run changes nothing',
  async (t) => {
    const { root, args } = await stagedRoot(t);
    const first = await setup(args);
    t.equal(first.code, 0, first.output);
    t.match(first.output, /models: skipped .*Fetch later/);
    t.match(first.output, /shop profile .*: valid/, 'check-config ran');

    const passwd = await readFile(join(root, 'etc/passwd'), 'utf8');
    const group = await readFile(join(root, 'etc/group'), 'utf8');
    t.match(passwd, /^linekeeper:x:\d+:\d+::\/var\/lib\/linekeeper:\/usr\/sbin\/nologin$/m);
    for (const name of ['dialout', 'gpio', 'audio'])
      t.match(group, new RegExp(`^${name}:x:\\d+:linekeeper$`, 'm'), `linekeeper in ${name}`);
    t.equal(idOf(group, 'dialout'), 20, 'existing groups keep their ids');
    const lk = idOf(passwd, 'linekeeper');
    const lkGroup = idOf(group, 'linekeeper');

    const files = await manifest(root);
    const expect = (path: string, pattern: RegExp) => t.match(files.get(path), pattern, path);
    const current = String(files.get('/opt/linekeeper/current')).split('-> ')[1];
    t.match(current, /^releases\/0\.1\.0-[0-9a-f]{12}$/);
    expect('/opt/linekeeper', new RegExp(`^dir 0:${lkGroup} 1775$`));
    expect('/opt/linekeeper/current', new RegExp(`^link ${lk}:${lkGroup} `));
    expect(`/opt/linekeeper/${current}/bin/linekeeper.js`, /^file 0:0 755 /);
    expect(`/opt/linekeeper/${current}/dist/src/cli/main.js`, /^file 0:0 644 /);
    expect('/etc/linekeeper', new RegExp(`^dir 0:${lkGroup} 1770$`));
    expect('/etc/linekeeper/config.yaml', new RegExp(`^file ${lk}:${lkGroup} 640 `));
    expect('/etc/linekeeper/shop.yaml', new RegExp(`^file ${lk}:${lkGroup} 640 `));
    expect('/etc/linekeeper/fleet-public.pem', /^file 0:0 644 /);
    expect('/var/lib/linekeeper', new RegExp(`^dir ${lk}:${lkGroup} 750$`));
    expect('/var/lib/linekeeper/keys', new RegExp(`^dir ${lk}:${lkGroup} 700$`));
    expect('/var/lib/linekeeper/keys/records.key', new RegExp(`^file ${lk}:${lkGroup} 600 `));
    expect('/etc/systemd/system/linekeeper.service', /^file 0:0 644 /);
    // The rollback outside the releases: root's, in a directory the service user cannot write.
    expect('/etc/systemd/system/linekeeper-rollback.service', /^file 0:0 644 /);
    expect('/opt/linekeeper/libexec', /^dir 0:0 755$/);
    expect('/opt/linekeeper/libexec/linekeeper-rollback', /^file 0:0 755 /);
    t.equal(
      await readFile(join(root, 'opt/linekeeper/libexec/linekeeper-rollback'), 'utf8'),
      await readFile(join(ROOT, 'systemd/linekeeper-rollback.sh'), 'utf8'),
    );
    t.match(
      await readFile(join(root, 'etc/systemd/system/linekeeper.service'), 'utf8'),
      /^OnFailure=linekeeper-rollback\.service$/m,
    );
    expect('/etc/systemd/system/multi-user.target.wants/linekeeper.service', /^link .*linekeeper\.service$/);
    expect('/etc/default/linekeeper', /^file 0:0 644 /);
    // The key is the daemon's own key file (what `linekeeper keys init` writes), so the daemon can open the store.
    const keys = await loadKeyFile(join(root, 'var/lib/linekeeper/keys/records.key'));
    t.equal(keys.recordsKey.length, 32, 'a 256-bit records key');
    t.match(first.output, /created the records encryption key/);
    const config = await readFile(join(root, 'etc/linekeeper/config.yaml'), 'utf8');
    t.match(config, /id: shop-0042/);
    t.match(config, /url: mqtts:\/\/fleet\.example\.com:8883/);
    t.match(await readFile(join(root, 'etc/linekeeper/shop.yaml'), 'utf8'), /mobile: "?\+8613900000000/);
    t.notOk(
      [...files.keys()].some(
        (p) => p.includes('/node_modules/typescript/') || p.includes('/node_modules/tap/'),
      ),
      'no dev dependencies installed',
    );
    t.ok(
      files.has(`/opt/linekeeper/${current}/node_modules/mqtt/package.json`),
      'runtime dependencies installed',
    );
    for (const rules of existsSync(join(ROOT, 'device/udev')) ? await readdir(join(ROOT, 'device/udev')) : [])
      if (rules.endsWith('.rules')) expect(`/etc/udev/rules.d/${rules}`, /^file 0:0 644 /);

    const second = await setup(args);
    t.equal(second.code, 0, second.output);
    t.match(second.output, /already installed/);
    t.notMatch(second.output, /created the records encryption key/, 'the key is made once');
    const again = await manifest(root);
    const changed = [...new Set([...files.keys(), ...again.keys()])].filter(
      (p) => files.get(p) !== again.get(p),
    );
    t.same(changed, [], 'a second run changes nothing (paths, modes, owners, contents)');
  },
);

t.test('setup.sh refuses missing answers without a terminal and explains the flag', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'lk-root-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  const result = await setup(['--root', root, '--device-id', 'shop-0001', '--no-models']);
  t.not(result.code, 0);
  t.match(result.output, /shop profile .* is needed: pass --shop/);
});
