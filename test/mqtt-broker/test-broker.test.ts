import mqtt from 'mqtt';
import t from 'tap';
import { TestPki } from '../helpers/certs.js';
import { TestBroker } from '../helpers/mosquitto.js';

t.test('the test broker carries MQTT 5 messages and survives a restart with its state', async (t) => {
  const broker = await TestBroker.start();
  t.teardown(() => broker.dispose());
  const client = await mqtt.connectAsync(broker.url, {
    protocolVersion: 5,
    clientId: 'selftest',
    clean: false,
    properties: { sessionExpiryInterval: 600 },
  });
  await client.subscribeAsync('lk/v1/selftest/#', { qos: 1 });
  const got = new Promise<string>((resolve) =>
    client.once('message', (_topic, payload) => resolve(payload.toString())),
  );
  await client.publishAsync('lk/v1/selftest/ping', 'pong', { qos: 1 });
  t.equal(await got, 'pong');
  await client.endAsync();
  await broker.kill();
  await broker.restart();
  const again = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: 'selftest-2' });
  t.ok(again.connected);
  await again.endAsync();
});

t.test('TLS with client certificates confines a device to its own topics through the ACL', async (t) => {
  const pki = await TestPki.create();
  const server = await pki.issue('localhost', 'server');
  const device = await pki.issue('shop-0001', 'client');
  const broker = await TestBroker.start({
    tls: { ca: pki.ca.cert, server },
    acl: 'pattern readwrite lk/v1/%u/#\n',
  });
  t.teardown(() => broker.dispose());
  const { readFile } = await import('node:fs/promises');
  const client = await mqtt.connectAsync(broker.url, {
    protocolVersion: 5,
    clientId: 'shop-0001',
    ca: await readFile(pki.ca.cert),
    cert: await readFile(device.cert),
    key: await readFile(device.key),
  });
  t.teardown(() => client.endAsync());
  await client.publishAsync('lk/v1/shop-0001/state', 'online', { qos: 1 });
  await t.rejects(client.publishAsync('lk/v1/shop-0002/state', 'spoofed', { qos: 1 }), {
    message: /Not authorized/,
  });
});
