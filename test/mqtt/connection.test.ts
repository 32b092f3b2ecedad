import mqtt from 'mqtt';
import t from 'tap';
import { createLogger } from '../../src/log/logger.js';
import { MqttConnection, topicMatches } from '../../src/mqtt/connection.js';
import { TestBroker } from '../helpers/mosquitto.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { waitFor } from '../helpers/wait.js';

function captureLog() {
  const lines: string[] = [];
  return { lines, log: createLogger({ level: 'debug', write: (line) => lines.push(line) }) };
}

function connection(url: string, log = captureLog().log): MqttConnection {
  return new MqttConnection({
    url,
    clientId: 'shop-0001',
    devicePrefix: 'lk/v1/shop-0001',
    keepaliveSeconds: 5,
    sessionExpirySeconds: 600,
    reconnectMinMs: 50,
    reconnectMaxMs: 400,
    stateFields: { app: 'test' },
    log,
  });
}

t.test('topic filters match like the broker', async (t) => {
  t.ok(topicMatches('lk/v1/+/calls/#', 'lk/v1/a/calls/summary'));
  t.ok(topicMatches('$share/ingest/lk/v1/+/calls/summary', 'lk/v1/a/calls/summary'));
  t.notOk(topicMatches('lk/v1/+/calls/summary', 'lk/v1/a/calls/escalation'));
  t.notOk(topicMatches('lk/v1/a/state', 'lk/v1/a/state/x'));
});

t.test('retained state, last will, subscriptions and malformed payloads', async (t) => {
  const broker = await TestBroker.start();
  t.teardown(() => broker.dispose());
  const { lines, log } = captureLog();
  const conn = connection(broker.url, log);
  t.teardown(() => conn.stop());
  const received: unknown[] = [];
  conn.subscribeJson(conn.topic('sync/ack'), (value) => {
    received.push(value);
  });
  await conn.start();
  await conn.waitConnected(10_000);
  await conn.setState({ outboxDepth: 3 });

  const watcher = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: 'watcher' });
  t.teardown(() => watcher.endAsync());
  const states: Record<string, unknown>[] = [];
  watcher.on('message', (_topic, payload) => states.push(JSON.parse(payload.toString())));
  await watcher.subscribeAsync('lk/v1/shop-0001/state', { qos: 1 });
  await waitFor(() => states.some((s) => s.outboxDepth === 3), 'the retained state');
  t.match(states.at(-1), { online: true, app: 'test', outboxDepth: 3, sessionId: conn.sessionId });

  await watcher.publishAsync('lk/v1/shop-0001/sync/ack', 'not json {', { qos: 1 });
  await watcher.publishAsync('lk/v1/shop-0001/sync/ack', JSON.stringify({ eventIds: ['a'] }), { qos: 1 });
  await waitFor(() => received.length === 1, 'the valid ack');
  t.same(received, [{ eventIds: ['a'] }]);
  t.ok(
    lines.some((l) => /payload is not JSON/.test(l) && /E0601/.test(l)),
    'malformed payload logged',
  );

  // An ungraceful loss of the device: the broker publishes the retained last will.
  await broker.kill();
  await t.rejects(conn.publish(conn.topic('telemetry'), { x: 1 }), { message: /not connected|lost/ });
  await broker.restart();
  await waitFor(() => conn.connected && conn.connects >= 2, 'the reconnect');
  await watcher.subscribeAsync('lk/v1/shop-0001/state', { qos: 1 }).catch(() => undefined);
  await waitFor(
    () => states.at(-1)?.online === true && states.at(-1)?.sessionId === conn.sessionId,
    'state republished',
  );
  t.pass('state republished after the broker came back');
});

t.test('a blackholed link is detected, the last will marks the box offline, online comes back', async (t) => {
  const broker = await TestBroker.start();
  t.teardown(() => broker.dispose());
  const proxy = await TcpProxy.start(broker.port);
  t.teardown(() => proxy.close());
  const conn = new MqttConnection({
    url: `mqtt://127.0.0.1:${proxy.port}`,
    clientId: 'shop-0002',
    devicePrefix: 'lk/v1/shop-0002',
    keepaliveSeconds: 1,
    sessionExpirySeconds: 600,
    reconnectMinMs: 50,
    reconnectMaxMs: 400,
    log: captureLog().log,
  });
  t.teardown(() => conn.stop());
  let disconnects = 0;
  conn.onDisconnect(() => disconnects++);
  await conn.start();
  await conn.waitConnected(10_000);
  const watcher = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: 'watcher-2' });
  t.teardown(() => watcher.endAsync());
  const states: Record<string, unknown>[] = [];
  watcher.on('message', (_topic, payload) => states.push(JSON.parse(payload.toString())));
  await watcher.subscribeAsync('lk/v1/shop-0002/state', { qos: 1 });
  await waitFor(() => states.at(-1)?.online === true, 'online state');
  const firstSession = conn.sessionId;
  proxy.blackhole();
  const lostAt = Date.now();
  await waitFor(() => disconnects === 1, 'the device to notice the dead link', 10_000);
  t.ok(Date.now() - lostAt < 3_500, `detected in ${Date.now() - lostAt} ms (keepalive 1 s)`);
  await waitFor(() => states.at(-1)?.online === false, 'the last will', 10_000);
  t.equal(states.at(-1)?.sessionId, firstSession, 'the will names the lost session');
  proxy.resume();
  await waitFor(() => states.at(-1)?.online === true, 'online again', 15_000);
  t.not(conn.sessionId, firstSession, 'a new session id per connection');
  await conn.stop();
  await waitFor(
    () => states.at(-1)?.online === false && states.at(-1)?.reason === 'stopped',
    'offline on stop',
  );
});
