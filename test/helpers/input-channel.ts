/** A CallerChannel for tests that plays a list of raw caller inputs and records everything the line does. */
import type { Lang } from '../../src/config/shop-schema.js';
import type {
  CallerChannel,
  CallerInput,
  HandoffResult,
  ListenOptions,
  OwnerBriefing,
} from '../../src/dialog/channel.js';

/** Plays `inputs` in order (then silence); records what was said, handed off and texted. */
export class InputChannel implements CallerChannel {
  readonly said: { text: string; lang: Lang }[] = [];
  readonly listens: ListenOptions[] = [];
  readonly handoffs: ({ number: string } & OwnerBriefing)[] = [];
  readonly texts: { number: string; text: string }[] = [];
  hungUp = false;
  readonly #inputs: CallerInput[];
  readonly #handoff: HandoffResult;
  readonly #briefSpoken: boolean;
  readonly #langs: readonly Lang[] | undefined;

  /** `briefSpoken` (default: when connected) says whether the owner heard the brief. */
  constructor(
    inputs: CallerInput[],
    options: { handoff?: HandoffResult; briefSpoken?: boolean; recognizes?: readonly Lang[] } = {},
  ) {
    this.#inputs = [...inputs];
    this.#handoff = options.handoff ?? 'connected';
    this.#briefSpoken = options.briefSpoken ?? this.#handoff === 'connected';
    this.#langs = options.recognizes;
    if (this.#langs !== undefined)
      this.recognizes = (lang: Lang) => (this.#langs as readonly Lang[]).includes(lang);
  }

  recognizes?: (lang: Lang) => boolean;

  async say(text: string, lang: Lang) {
    this.said.push({ text, lang });
    return { interrupted: false };
  }
  async listen(options: ListenOptions): Promise<CallerInput> {
    this.listens.push(options);
    return this.#inputs.shift() ?? { kind: 'silence' };
  }
  async handoff(number: string, briefing: OwnerBriefing) {
    this.handoffs.push({ number, ...briefing });
    return { result: this.#handoff, briefSpoken: this.#briefSpoken };
  }
  async sendText(number: string, text: string) {
    this.texts.push({ number, text });
  }
  async hangup() {
    this.hungUp = true;
  }
  /** Everything the line said, joined. */
  get transcript(): string {
    return this.said.map((s) => s.text).join('\n');
  }
}

/** A speech input. */
export function speech(
  text: string,
  extra: Partial<Extract<CallerInput, { kind: 'speech' }>> = {},
): CallerInput {
  return { kind: 'speech', text, ...extra };
}
