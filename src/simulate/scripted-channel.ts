/**
 * A `CallerChannel` that plays a call file's turns as text: each `say` is injected as a transcript, as if a
 * recognizer had heard it. The caller waits for each reply before the next turn; when the script runs out the
 * caller stays on the line silently, so the line ends the call. Transcripts come from wrapping it in an
 * ObservedChannel.
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

/** The scripted text channel. */
export class ScriptedTextChannel implements CallerChannel {
  readonly #call: CallFile;
  #next = 0;
  #hungUp = false;

  constructor(call: CallFile) {
    this.#call = call;
  }

  /** Steps of the script the line did not get to (it ended the call first). */
  get unplayed(): number {
    return this.#call.turns.length - this.#next;
  }

  async say(_text: string, _lang: Lang): Promise<{ interrupted: boolean }> {
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
    return input;
  }

  /** The owner answers (and hears the brief) or not, as the call file says. */
  async handoff(_number: string, _briefing: OwnerBriefing): Promise<HandoffOutcome> {
    const result: HandoffResult = this.#call.ownerAnswers ? 'connected' : 'no-answer';
    return { result, briefSpoken: this.#call.ownerAnswers };
  }

  async sendText(_number: string, _text: string): Promise<void> {}

  async hangup(): Promise<void> {
    this.#hungUp = true;
  }
}
