/**
 * A `CallerChannel` that plays a call file's turns as text: each `say` is injected as a transcript, as if a
 * recognizer had heard it. The caller waits for each reply before the next turn; when the script runs out the
 * caller stays on the line silently, so the line ends the call.
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
import type { CallFile } from './call-file.js';

/** One event on the simulated line, in order (for transcripts). */
export type LineEvent =
  | { kind: 'line'; text: string; lang: Lang }
  | { kind: 'caller'; input: CallerInput }
  | { kind: 'handoff'; number: string; brief: string; result: HandoffResult }
  | { kind: 'text'; number: string; text: string }
  | { kind: 'hangup' };

/** The scripted text channel. */
export class ScriptedTextChannel implements CallerChannel {
  readonly #call: CallFile;
  #next = 0;
  #hungUp = false;
  /** Everything that happened, in order. */
  readonly events: LineEvent[] = [];
  readonly #onEvent: ((event: LineEvent) => void) | undefined;

  constructor(call: CallFile, onEvent?: (event: LineEvent) => void) {
    this.#call = call;
    this.#onEvent = onEvent;
  }

  #emit(event: LineEvent): void {
    this.events.push(event);
    this.#onEvent?.(event);
  }

  /** Steps of the script the line did not get to (it ended the call first). */
  get unplayed(): number {
    return this.#call.turns.length - this.#next;
  }

  async say(text: string, lang: Lang): Promise<{ interrupted: boolean }> {
    this.#emit({ kind: 'line', text, lang });
    const upcoming = this.#call.turns[this.#next];
    return { interrupted: upcoming !== undefined && 'say' in upcoming && upcoming.bargeIn === true };
  }

  async listen(options: ListenOptions): Promise<CallerInput> {
    const step = this.#hungUp ? { hangup: true as const } : this.#call.turns[this.#next];
    let input: CallerInput;
    if (step === undefined) input = { kind: 'silence' };
    else {
      this.#next++;
      if ('say' in step)
        input = {
          kind: 'speech',
          text: step.say,
          lang: this.#call.lang,
          ...(step.bargeIn ? { bargedIn: true } : {}),
        };
      else if ('dtmf' in step) input = { kind: 'dtmf', digits: step.dtmf };
      else if ('silence' in step) {
        // Shorter than the line waits: the caller speaks again before it notices; play the next step.
        if (step.silence * 1000 < options.timeoutMs) return this.listen(options);
        input = { kind: 'silence' };
      } else input = { kind: 'hangup' };
    }
    this.#emit({ kind: 'caller', input });
    return input;
  }

  /** The owner answers (and hears the brief) or not, as the call file says. */
  async handoff(number: string, briefing: OwnerBriefing): Promise<HandoffOutcome> {
    const result: HandoffResult = this.#call.ownerAnswers ? 'connected' : 'no-answer';
    this.#emit({ kind: 'handoff', number, brief: briefing.brief, result });
    return { result, briefSpoken: this.#call.ownerAnswers };
  }

  async sendText(number: string, text: string): Promise<void> {
    this.#emit({ kind: 'text', number, text });
  }

  async hangup(): Promise<void> {
    this.#hungUp = true;
    this.#emit({ kind: 'hangup' });
  }
}
