/** Every detail the line takes from an utterance, as flat strings (what a turn record keeps). */
import { extractDateTime } from './date-time.js';
import { extractName } from './people.js';
import { extractQuantities } from './quantities.js';
import { extractOrderId, extractPhone } from './spoken-codes.js';

/** Where and when the caller speaks, for relative dates. */
export interface SlotContext {
  now: Date;
  timezone: string;
  /** The shop's order ids, to resolve a bare spoken number. */
  orderIds?: readonly string[];
}

/** Details found in an utterance: `date`, `time`, `phone`, `name`, `order_id`, `size`, `quantity`. */
export function extractSlots(text: string, lang: 'en' | 'zh', context: SlotContext): Record<string, string> {
  const slots: Record<string, string> = {};
  const { date, time } = extractDateTime(text, lang, context.now, context.timezone);
  if (date !== undefined) slots.date = date;
  if (time !== undefined) slots.time = time;
  const phone = extractPhone(text, lang);
  if (phone !== undefined) slots.phone = phone;
  const name = extractName(text, lang);
  if (name !== undefined) slots.name = name;
  const orderId = extractOrderId(text, lang, context.orderIds);
  if (orderId !== undefined && phone === undefined) slots.order_id = orderId;
  const { size, quantity } = extractQuantities(text, lang);
  if (size !== undefined) slots.size = size;
  if (quantity !== undefined) slots.quantity = quantity;
  return slots;
}
