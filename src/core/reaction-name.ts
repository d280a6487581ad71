import { emojiToName } from "gemoji";

const SKIN_TONES: Record<string, number> = {
  "\u{1F3FB}": 2,
  "\u{1F3FC}": 3,
  "\u{1F3FD}": 4,
  "\u{1F3FE}": 5,
  "\u{1F3FF}": 6,
};

/**
 * The Slack reaction name (`reactions.add`'s `name`) of a Unicode emoji a customer reacted with,
 * e.g. `👍` → `+1`, `👍🏽` → `+1::skin-tone-4`; null when unknown (the caller shows a note
 * instead). Names come from gemoji (GitHub's list), which agrees with Slack's for the emoji
 * WhatsApp offers; a name Slack still refuses (`invalid_name`) falls back to the note.
 */
export function slackReactionName(emoji: string): string | null {
  let tone: number | null = null;
  let base = "";
  for (const ch of emoji) {
    const t = SKIN_TONES[ch];
    if (t !== undefined) tone = t;
    else base += ch;
  }
  const name =
    emojiToName[base] ?? emojiToName[base.replace(/\uFE0F/g, "")] ?? emojiToName[`${base}\uFE0F`];
  if (!name) return null;
  return tone === null ? name : `${name}::skin-tone-${tone}`;
}
