/** The shop's orders table: the CSV the shop's own system keeps next to the profile. */
import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';

/** One row of the orders table. */
export interface Order {
  orderId: string;
  phone: string;
  status: string;
  readyAt: string;
}

/** Columns the orders table must have. */
export const ORDER_COLUMNS = ['order_id', 'phone', 'status', 'ready_at'] as const;

/** Reads and parses the orders CSV; throws an Error naming the file and what is wrong with it. */
export async function readOrders(file: string): Promise<Order[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new Error(`cannot read ${file}: ${(cause as Error).message}`, { cause });
  }
  let rows: Record<string, string>[];
  try {
    rows = parse(text, { columns: true, skip_empty_lines: true, trim: true, bom: true }) as Record<
      string,
      string
    >[];
  } catch (cause) {
    throw new Error(`${file} is not valid CSV: ${(cause as Error).message}`, { cause });
  }
  const header =
    text
      .split(/\r?\n/, 1)[0]
      ?.split(',')
      .map((c) => c.trim().replace(/^\uFEFF/, '')) ?? [];
  const missing = ORDER_COLUMNS.filter((column) => !header.includes(column));
  if (missing.length > 0)
    throw new Error(`${file} lacks the column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
  return rows.map((row) => ({
    orderId: row.order_id ?? '',
    phone: row.phone ?? '',
    status: row.status ?? '',
    readyAt: row.ready_at ?? '',
  }));
}
