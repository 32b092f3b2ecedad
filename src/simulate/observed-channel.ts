/**
 * A CallerChannel that reports everything passing through it, in order: what the line says, what it gets from
 * the caller, handoffs, texts and the hang-up. Wrapped around the scripted text channel or the speech channel of
 * the virtual line, it is what transcripts (`simulate`, `npm start`) are made of.
 */
import type { Lang } from '../config/shop-schema.js';
import type {
  CallerChannel,
  CallerInput,
  HandoffOutcome,
  HandoffResult,
  ListenOptions,
  OwnerBriefing,
} from '../dialog/channel.js';

/** One event on a simulated line, in order (for transcripts). */
export type LineEvent =
  | { kind: 'line'; text: string; lang: Lang }
  /** The caller's own words as spoken into the line (audio mode; what the line heard follows as `caller`). */
  | { kind: 'spoken'; text: string }
  | { kind: 'caller'; input: CallerInput }
  | { kind: 'handoff'; number: string; brief: string; result: HandoffResult }
  | { kind: 'text'; number: string; text: string }
  | { kind: 'hangup' };

/** The observing wrapper. */
export class ObservedChannel implements CallerChannel {
  /** Everything that happened, in order. */
  readonly events: LineEvent[] = [];
  readonly recognizes?: (lang: Lang) => boolean;

  constructor(
    private readonly inner: CallerChannel,
    private readonly onEvent?: (event: LineEvent) => void,
  ) {
    if (inner.recognizes !== undefined) this.recognizes = (lang) => inner.recognizes?.(lang) ?? true;
  }

  /** Records an event (also used by the simulated caller for its own words). */
  emit(event: LineEvent): void {
    this.events.push(event);
    this.onEvent?.(event);
  }

  say(text: string, lang: Lang): Promise<{ interrupted: boolean }> {
    this.emit({ kind: 'line', text, lang });
    return this.inner.say(text, lang);
  }

  async listen(options: ListenOptions): Promise<CallerInput> {
    const input = await this.inner.listen(options);
    this.emit({ kind: 'caller', input });
    return input;
  }

  async handoff(number: string, briefing: OwnerBriefing): Promise<HandoffOutcome> {
    const outcome = await this.inner.handoff(number, briefing);
    this.emit({ kind: 'handoff', number, brief: briefing.brief, result: outcome.result });
    return outcome;
  }

  async sendText(number: string, text: string): Promise<void> {
    await this.inner.sendText(number, text);
    this.emit({ kind: 'text', number, text });
  }

  async hangup(): Promise<void> {
    await this.inner.hangup();
    this.emit({ kind: 'hangup' });
  }

  /** Per caller input, in order, the words the caller spoke into the line for it (null: none, e.g. silence). */
  spokenPerInput(): (string | null)[] {
    const out: (string | null)[] = [];
    let spoken: string | null = null;
    for (const event of this.events) {
      if (event.kind === 'spoken') spoken = spoken === null ? event.text : `${spoken} ${event.text}`;
      else if (event.kind === 'caller') {
        out.push(spoken);
        spoken = null;
      }
    }
    return out;
  }
}
