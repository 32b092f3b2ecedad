/**
 * The device config (`/etc/linekeeper/config.yaml`): one TypeBox schema gives the TypeScript type, the JSON
 * Schema that `linekeeper print-schema config` prints, the defaults, and the `LINEKEEPER_…` environment overrides.
 * Each capability owns one section; every field has a description and, where one makes sense, a default.
 */
import { type Static, Type } from '@sinclair/typebox';
import { LOG_LEVELS } from '../log/logger.js';
import { WEEKDAYS } from './shop-schema.js';

/** Where the device config lives unless `--config` or LINEKEEPER_CONFIG says otherwise. */
export const DEFAULT_CONFIG_PATH = '/etc/linekeeper/config.yaml';

const LogLevel = Type.Union(
  LOG_LEVELS.map((level) => Type.Literal(level)),
  { description: 'One of error, warn, info, debug, trace.' },
);

const Identity = Type.Object(
  {
    id: Type.String({
      pattern: '^[a-z0-9][a-z0-9-]{2,62}$',
      default: 'lk-unprovisioned',
      description:
        'Device id: the MQTT client id, username and certificate CN. Lowercase letters, digits and dashes.',
    }),
    name: Type.String({ default: '', description: 'A name for operators, e.g. the shop and its town.' }),
  },
  { additionalProperties: false, default: {}, description: 'Who this box is in the fleet.' },
);

const Modem = Type.Object(
  {
    profile: Type.Union([Type.Literal('sim7600'), Type.Literal('ec25'), Type.Literal('usr5637')], {
      default: 'sim7600',
      description:
        'Modem driver: sim7600 (SIMCom), ec25 (Quectel EC25/EG25) or usr5637 (V.253 analog voice modem).',
    }),
    port: Type.String({
      default: '/dev/linekeeper-modem',
      description: 'AT command port (the udev rules create stable names).',
    }),
    audioPort: Type.String({
      default: '/dev/linekeeper-audio',
      description: 'Raw PCM audio port for GSM modules (SIM7600 USB interface 4); unused by analog modems.',
    }),
    baudRate: Type.Integer({
      minimum: 1200,
      maximum: 4000000,
      default: 115200,
      description: 'Serial speed.',
    }),
    ringsBeforeAnswer: Type.Integer({
      minimum: 1,
      maximum: 10,
      default: 2,
      description:
        'Rings before the box answers (caller ID must have arrived); keep below the network no-reply timer.',
    }),
    commandTimeoutMs: Type.Integer({
      minimum: 100,
      maximum: 120000,
      default: 5000,
      description: 'How long an AT command may take before the modem counts as unresponsive.',
    }),
    forwardToOwner: Type.Boolean({
      default: true,
      description:
        'GSM only: set network call forwarding on no-reply and not-reachable to the owner mobile, so calls reach a person when the box is down.',
    }),
    analogAudioFormat: Type.Union(
      [Type.Literal('pcm16le'), Type.Literal('ulaw'), Type.Literal('alaw'), Type.Literal('linear8')],
      {
        default: 'pcm16le',
        description:
          'Analog (V.253) modems: call audio format selected with AT+VSM: pcm16le (16-bit linear, best), ulaw, alaw or linear8 (8-bit unsigned, for serial links slower than 230400 baud).',
      },
    ),
    clccPollSeconds: Type.Number({
      minimum: 0,
      maximum: 60,
      default: 2,
      description:
        'GSM: how often AT+CLCC checks that a connected call still exists (safety net for a lost end-of-call indication); 0 disables.',
    }),
    noReplyTimerSeconds: Type.Integer({
      minimum: 5,
      maximum: 30,
      default: 20,
      description: 'Network no-reply timer for that forwarding (27.007 +CCFC <time>).',
    }),
  },
  { additionalProperties: false, default: {}, description: 'The modem HAT and its serial ports.' },
);

const Gpio = Type.Object(
  {
    enabled: Type.Boolean({ default: false, description: 'Use the GPIO header (power key, LEDs, button).' }),
    chip: Type.String({
      default: 'auto',
      description: 'gpiochip label or `auto` to find the header chip and its base at run time.',
    }),
    powerKey: Type.Integer({
      minimum: -1,
      maximum: 63,
      default: -1,
      description: 'BCM pin of the HAT power key; -1 none.',
    }),
    flightMode: Type.Integer({
      minimum: -1,
      maximum: 63,
      default: -1,
      description: 'BCM pin of the flight mode line; -1 none.',
    }),
    ledReady: Type.Integer({
      minimum: -1,
      maximum: 63,
      default: -1,
      description: 'BCM pin of the ready LED; -1 none.',
    }),
    ledInCall: Type.Integer({
      minimum: -1,
      maximum: 63,
      default: -1,
      description: 'BCM pin of the in-call LED; -1 none.',
    }),
    ledFault: Type.Integer({
      minimum: -1,
      maximum: 63,
      default: -1,
      description: 'BCM pin of the fault LED; -1 none.',
    }),
    ledMessages: Type.Integer({
      minimum: -1,
      maximum: 63,
      default: -1,
      description: 'BCM pin of the messages-waiting LED; -1 none.',
    }),
    button: Type.Integer({
      minimum: -1,
      maximum: 63,
      default: -1,
      description: 'BCM pin of the push button; -1 none.',
    }),
    powerKeyActiveLow: Type.Boolean({
      default: false,
      description: 'The power key pulses low instead of high (the Waveshare SIM7600 HAT pulses BCM6 high).',
    }),
    powerOnPulseMs: Type.Integer({
      minimum: 100,
      maximum: 10000,
      default: 2000,
      description: 'Power-key pulse that switches the modem on (Waveshare: 2 s).',
    }),
    powerOffPulseMs: Type.Integer({
      minimum: 100,
      maximum: 10000,
      default: 3000,
      description:
        'Power-key pulse that switches a running modem off (Waveshare: 3 s); also used when its state is unknown.',
    }),
    powerOffSettleMs: Type.Integer({
      minimum: 0,
      maximum: 120000,
      default: 18000,
      description: 'Wait after switching the modem off before switching it on again (Waveshare: 18 s).',
    }),
    modemBootTimeoutMs: Type.Integer({
      minimum: 1000,
      maximum: 300000,
      default: 30000,
      description:
        'How long after switching on the modem may take to answer AT (includes USB re-enumeration).',
    }),
    ledActiveLow: Type.Boolean({
      default: false,
      description: 'LEDs light when the pin is low (wired from 3V3 through the LED to the pin).',
    }),
    buttonActiveLow: Type.Boolean({
      default: true,
      description:
        'The button connects the pin to ground (needs a pull-up, e.g. `gpio=27=ip,pu` in config.txt).',
    }),
    buttonDebounceMs: Type.Integer({
      minimum: 1,
      maximum: 1000,
      default: 30,
      description: 'How long the button level must hold before it counts.',
    }),
    buttonLongPressMs: Type.Integer({
      minimum: 200,
      maximum: 30000,
      default: 2000,
      description: 'Holding the button this long is a long press.',
    }),
    pollMs: Type.Integer({
      minimum: 1,
      maximum: 200,
      default: 10,
      description: 'Input polling interval (sysfs edge interrupts are unreliable on a Pi 5).',
    }),
  },
  { additionalProperties: false, default: {}, description: 'GPIO header pins (BCM numbers).' },
);

const Speech = Type.Object(
  {
    recognizer: Type.Union(
      [
        Type.Literal('auto'),
        Type.Literal('sherpa-streaming'),
        Type.Literal('sherpa-sensevoice'),
        Type.Literal('pocketsphinx'),
        Type.Literal('none'),
      ],
      {
        default: 'auto',
        description: 'Speech recognizer; `auto` picks the best installed and verified engine.',
      },
    ),
    synthesizer: Type.Union([Type.Literal('auto'), Type.Literal('sherpa'), Type.Literal('embedded')], {
      default: 'auto',
      description:
        'Speech synthesis: `auto` and `sherpa` speak each language with a verified sherpa-onnx voice model when one speaks it (`sherpa` warns when none can be loaded), flite (English) and espeak-ng (Mandarin) otherwise; `embedded` never loads a sherpa voice.',
    }),
    sherpaSpeaker: Type.Integer({
      minimum: 0,
      default: 0,
      description:
        'Speaker id of a multi-speaker sherpa voice model; a model without that speaker speaks with speaker 0.',
    }),
    modelsDir: Type.String({
      default: '/var/lib/linekeeper/models',
      description: 'Where verified speech models are installed.',
    }),
    modelsBaseUrl: Type.String({
      default: 'https://github.com/k2-fsa/sherpa-onnx/releases/download',
      description:
        'Base URL for the relative archive URLs of models/manifest.json (point it at a local mirror if needed).',
    }),
    bargeIn: Type.Boolean({ default: true, description: 'Caller speech stops the line talking.' }),
    englishVoice: Type.Union(
      [
        Type.Literal('slt'),
        Type.Literal('rms'),
        Type.Literal('awb'),
        Type.Literal('kal16'),
        Type.Literal('kal'),
      ],
      {
        default: 'slt',
        description:
          'flite voice for English when no sherpa voice is installed (kal is native 8 kHz, lower quality).',
      },
    ),
    promptCacheDir: Type.String({
      default: '/var/lib/linekeeper/prompt-cache',
      description:
        'Rendered fixed prompts (greeting, FAQ answers, …) keyed by text + voice; empty keeps them in memory only.',
    }),
    workerRestartMaxMs: Type.Integer({
      minimum: 100,
      maximum: 600000,
      default: 30000,
      description: 'Longest wait between restarts of a crashed speech worker (the wait doubles from 250 ms).',
    }),
    endpointSilenceMs: Type.Integer({
      minimum: 100,
      maximum: 3000,
      default: 300,
      description: 'Silence after caller speech that ends a turn.',
    }),
    keywordSpotter: Type.Union(
      [Type.Literal('auto'), Type.Literal('sherpa'), Type.Literal('porcupine'), Type.Literal('recognizer')],
      {
        default: 'auto',
        description:
          'Spots "agent", "person", "人工" and the shop\'s escalation keywords while the line talks (barge-in and a transfer request): `auto` uses the sherpa KeywordSpotter when its model is installed, else Porcupine when speech.porcupine has an AccessKey, else the recognizer hears them after a barge-in.',
      },
    ),
    keywordTokens: Type.Record(Type.String(), Type.String(), {
      default: {},
      description:
        'Tokens of keyword phrases as sherpa-onnx text2token writes them, e.g. {"人工": "r én g ōng"}; they win over the spelling derived from the keyword model (Chinese as pinyin pieces for a pinyin model, English from its lexicon or pieces), e.g. for a character read the wrong way.',
    }),
    porcupine: Type.Object(
      {
        accessKey: Type.String({
          default: '',
          description:
            'Picovoice AccessKey (Picovoice Console); empty = Porcupine is not used. Prefer the LINEKEEPER_SPEECH__PORCUPINE__ACCESS_KEY environment variable.',
        }),
        modelPath: Type.String({
          default: '',
          description:
            'Porcupine language model (.pv) for non-English keywords; empty = the bundled English one.',
        }),
        keywords: Type.Array(
          Type.Object(
            {
              file: Type.String({ minLength: 1, description: 'Keyword file (.ppn) for this platform.' }),
              phrase: Type.String({ minLength: 1, description: 'What the keyword says, e.g. "agent".' }),
              sensitivity: Type.Number({ minimum: 0, maximum: 1, default: 0.5 }),
            },
            { additionalProperties: false },
          ),
          { default: [], description: 'Custom keywords trained in Picovoice Console.' },
        ),
      },
      {
        additionalProperties: false,
        default: {},
        description:
          'Picovoice Porcupine keyword spotting (needs the optional npm package @picovoice/porcupine-node and an AccessKey).',
      },
    ),
  },
  { additionalProperties: false, default: {}, description: 'Speech engines.' },
);

const Storage = Type.Object(
  {
    dataDir: Type.String({
      default: '/var/lib/linekeeper',
      description: 'Call records, outbox and keys (systemd StateDirectory).',
    }),
    minFreeMb: Type.Integer({
      minimum: 10,
      default: 200,
      description: 'Below this much free disk the box stops keeping recordings and raises an alarm.',
    }),
  },
  { additionalProperties: false, default: {}, description: 'On-box storage.' },
);

const Mqtt = Type.Object(
  {
    enabled: Type.Boolean({
      default: false,
      description: 'Sync call summaries and take fleet commands over MQTT.',
    }),
    url: Type.String({
      default: 'mqtts://localhost:8883',
      description:
        'Broker URL (mqtts:// for TLS with client certificates, mqtt:// only on a trusted network).',
    }),
    topicPrefix: Type.String({ default: 'lk/v1', description: 'Topic prefix; the device id follows it.' }),
    caFile: Type.String({
      default: '',
      description: 'CA certificate of the broker (PEM); empty uses the system store.',
    }),
    certFile: Type.String({ default: '', description: 'Client certificate (PEM), CN = device id.' }),
    keyFile: Type.String({ default: '', description: 'Client private key (PEM).' }),
    keepaliveSeconds: Type.Integer({
      minimum: 5,
      maximum: 3600,
      default: 30,
      description: 'MQTT keepalive; a silent link is detected after about 1.5 keepalives.',
    }),
    sessionExpirySeconds: Type.Integer({
      minimum: 0,
      maximum: 2592000,
      default: 604800,
      description:
        'Persistent session lifetime on the broker (acks sent while the box is offline wait this long).',
    }),
    reconnectMinMs: Type.Integer({
      minimum: 10,
      maximum: 60000,
      default: 1000,
      description: 'First reconnect delay bound; doubles per failed attempt, with full jitter.',
    }),
    reconnectMaxMs: Type.Integer({
      minimum: 100,
      maximum: 3600000,
      default: 300000,
      description: 'Largest reconnect delay bound.',
    }),
    inFlightWindow: Type.Integer({
      minimum: 1,
      maximum: 1000,
      default: 32,
      description: 'Events published but not yet acknowledged by the cloud (sync/ack) at most.',
    }),
    ackTimeoutSeconds: Type.Integer({
      minimum: 1,
      maximum: 86400,
      default: 120,
      description: 'Resend an event the cloud has not acknowledged after this long (doubling up to 1 h).',
    }),
    outboxMaxMb: Type.Integer({
      minimum: 1,
      maximum: 10000,
      default: 50,
      description:
        'Outbox byte quota: over it telemetry is dropped first, then the oldest summaries; never escalations.',
    }),
    telemetryMaxAgeHours: Type.Integer({
      minimum: 1,
      maximum: 8760,
      default: 24,
      description: 'Unsent telemetry older than this is dropped.',
    }),
    summaryMaxAgeDays: Type.Integer({
      minimum: 1,
      maximum: 3650,
      default: 90,
      description: 'Unsent call summaries older than this are dropped from the outbox (the record stays).',
    }),
  },
  { additionalProperties: false, default: {}, description: 'Cloud sync and fleet connection.' },
);

const Privacy = Type.Object(
  {
    encryptionKeyFile: Type.String({
      default: '/var/lib/linekeeper/keys/records.key',
      description:
        'Per-box AES-256 key for transcripts and recordings at rest (created by setup, mode 0600).',
    }),
    sendCallerNumber: Type.Boolean({
      default: false,
      description: 'Send caller numbers to the cloud in clear; otherwise they are sent hashed.',
    }),
    callerHashSalt: Type.String({
      default: '',
      description:
        'Per-fleet salt for the caller number HMAC; empty uses a per-box salt created with the records key.',
    }),
  },
  { additionalProperties: false, default: {}, description: 'What personal data may leave the box.' },
);

const Log = Type.Object(
  {
    level: Type.Unsafe<(typeof LOG_LEVELS)[number]>({ ...LogLevel, default: 'info' }),
    namespaces: Type.Record(Type.String(), LogLevel, {
      default: {},
      description: 'Levels per namespace prefix, e.g. {"linekeeper:modem": "trace"}.',
    }),
    json: Type.Boolean({ default: false, description: 'Write JSON lines instead of plain lines.' }),
  },
  { additionalProperties: false, default: {}, description: 'Logging to stdout (journald under systemd).' },
);

const Fleet = Type.Object(
  {
    group: Type.String({
      default: '',
      description:
        'Fleet group of this box (e.g. a region or a chain); `linekeeper fleet push-shop --group` targets it.',
    }),
    publicKeyFile: Type.String({
      default: '/etc/linekeeper/fleet-public.pem',
      description:
        'Ed25519 public key (PEM) of the fleet: desired config, profiles, commands and updates must be signed with its private key.',
    }),
    telemetryIntervalSeconds: Type.Integer({
      minimum: 10,
      maximum: 86400,
      default: 300,
      description: 'How often the box publishes telemetry.',
    }),
    installDir: Type.String({
      default: '/opt/linekeeper',
      description: 'Where releases live (`releases/<id>`, `current` symlink); app updates are staged here.',
    }),
    updateHealthSeconds: Type.Integer({
      minimum: 10,
      maximum: 3600,
      default: 180,
      description:
        'After an app update, how long the new release has to report healthy before it is rolled back.',
    }),
  },
  {
    additionalProperties: false,
    default: {},
    description: 'Fleet management: signatures, telemetry, updates.',
  },
);

const Digest = Type.Object(
  {
    enabled: Type.Boolean({
      default: true,
      description:
        'Publish the weekly digest to the fleet (with mqtt.enabled) and text it to the owner when the shop profile sets reports.weekly_text.',
    }),
    day: Type.Union(
      WEEKDAYS.map((day) => Type.Literal(day)),
      { default: 'mon', description: 'Weekday the digest goes out: mon, tue, wed, thu, fri, sat or sun.' },
    ),
    time: Type.String({
      pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$',
      default: '08:00',
      description:
        "Time of day (HH:MM, 24-hour, in the shop profile's timezone) the digest of the 7 days before goes out.",
    }),
  },
  {
    additionalProperties: false,
    default: {},
    description:
      'The weekly digest: when it goes out (a box that was off at that time sends it once when it is back).',
  },
);

const SystemService = Type.Object(
  {
    degradedReadySeconds: Type.Integer({
      minimum: 1,
      maximum: 600,
      default: 90,
      description:
        'Report ready to systemd after this long even if services (the modem) are still starting; keep below TimeoutStartSec.',
    }),
    maxLoopDelayMs: Type.Integer({
      minimum: 100,
      default: 5000,
      description: 'Event-loop delay above which the daemon counts as hung and withholds the watchdog ping.',
    }),
  },
  { additionalProperties: false, default: {}, description: 'Supervision by systemd (readiness, watchdog).' },
);

/** The device config schema. */
export const DeviceConfigSchema = Type.Object(
  {
    version: Type.Literal(1, { default: 1, description: 'Config format version.' }),
    device: Identity,
    shopProfile: Type.String({
      default: '/etc/linekeeper/shop.yaml',
      description: 'The shop profile this box answers for.',
    }),
    modem: Modem,
    gpio: Gpio,
    speech: Speech,
    storage: Storage,
    mqtt: Mqtt,
    privacy: Privacy,
    log: Log,
    service: SystemService,
    fleet: Fleet,
    digest: Digest,
  },
  {
    additionalProperties: false,
    title: 'Linekeeper device config',
    $id: 'https://linekeeper.dev/schema/config.json',
  },
);

/** A validated device config with defaults filled in. */
export type DeviceConfig = Static<typeof DeviceConfigSchema>;
