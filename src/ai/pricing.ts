/**
 * The one price table (US$ per million tokens) used for cost accounting. Update it here when
 * Anthropic's list prices change. Source: Anthropic's published list prices (as recorded in the team's reference notes, 2026).
 */
export interface ModelPrice {
  input: number;
  output: number;
  /** 5-minute cache write. */
  cacheWrite: number;
  cacheRead: number;
}

export const PRICES: Readonly<Record<string, ModelPrice>> = {
  "claude-haiku-5-5": { input: 0.1, output: 0.5, cacheWrite: 0.125, cacheRead: 0.01 },
  "claude-sonnet-5-5": { input: 2, output: 10, cacheWrite: 2.5, cacheRead: 0.1 },
  "claude-haiku-4-5": { input: 1, output: 5, cacheWrite: 1.25, cacheRead: 0.1 },
  "claude-sonnet-4-5": { input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 },
};

/**
 * The price of a model id: exact match first, then a dated snapshot of a listed id
 * (`claude-haiku-4-5-20251001`). Null for an unknown model (its cost is then not counted).
 */
export function priceFor(model: string): ModelPrice | null {
  const exact = PRICES[model];
  if (exact) return exact;
  const base = Object.keys(PRICES).find((id) => model.startsWith(`${id}-`));
  return base ? PRICES[base]! : null;
}
