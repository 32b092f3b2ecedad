/**
 * What the owner hears on a warm transfer, played into their leg while the caller waits on hold:
 *
 *   answer signalled, no question:  brief ─ "putting them through" ─▶ connect
 *   question (profile, or analog):  brief ─ "press 1 …" ─ key? ─1─▶ connect · other key ─▶ decline
 *                                     ▲                        └─ none ─▶ again (twice when answered; analog:
 *                                     └──────────────────────────────────  until the ring time is over) ─▶ silent
 *
 * A key pressed during the brief cuts it short. Without speech the owner can be neither told nor asked: the calls
 * are joined where the answer is known and no question is wanted, else the caller is taken back.
 */
import type { OwnerDecision, OwnerLeg } from '../calls/active-call.js';
import type { Lang } from '../config/shop-schema.js';
import type { OwnerBriefing } from '../dialog/channel.js';

/** How long the owner has to press a key after each question, ms. */
const KEY_WAIT_MS = 4000;
/** How often an owner whose answer the line saw is asked before the line gives up. */
const ASKS_WHEN_ANSWERED = 2;

/** The briefing rendered: the brief and both endings. */
export interface BriefingAudio {
  brief: Int16Array;
  connecting: Int16Array;
  askAccept: Int16Array;
}

/** What the briefing came to. */
export interface BriefingResult {
  decision: OwnerDecision;
  /** The owner heard the brief (played out to an answered leg, or answered with a key). */
  spoken: boolean;
}

/** Renders the brief and both endings at once (while the owner's phone rings); undefined when speech fails. */
export async function renderBriefing(
  briefing: OwnerBriefing,
  render: (text: string, lang: Lang) => Promise<Int16Array | undefined>,
): Promise<BriefingAudio | undefined> {
  const [brief, connecting, askAccept] = await Promise.all(
    [briefing.brief, briefing.connecting, briefing.askAccept].map((text) => render(text, briefing.lang)),
  );
  if (brief === undefined || connecting === undefined || askAccept === undefined) return undefined;
  return { brief, connecting, askAccept };
}

/** Briefs the owner on their leg and returns their decision. */
export async function briefOwner(
  owner: OwnerLeg,
  briefing: OwnerBriefing,
  audio: BriefingAudio | undefined,
): Promise<BriefingResult> {
  const ask = briefing.confirm || !owner.answerSignalled;
  if (audio === undefined) return { decision: ask ? 'silent' : 'connect', spoken: false };
  if (!ask) {
    await owner.play(audio.brief);
    if (owner.gone) return { decision: 'silent', spoken: false };
    await owner.play(audio.connecting);
    return { decision: 'connect', spoken: true };
  }
  const ringingUntil = performance.now() + briefing.ringTimeoutMs;
  for (let round = 1; ; round++) {
    if ((await owner.play(audio.brief)) === 'played') await owner.play(audio.askAccept);
    const key = await owner.nextKey(KEY_WAIT_MS);
    if (key !== undefined)
      return { decision: key === briefing.acceptKey ? 'connect' : 'decline', spoken: true };
    if (owner.gone) return { decision: 'silent', spoken: false };
    const again = owner.answerSignalled ? round < ASKS_WHEN_ANSWERED : performance.now() < ringingUntil;
    if (!again) return { decision: 'silent', spoken: owner.answerSignalled };
  }
}
