import { nameToEmoji } from "gemoji";

// Slack names its emoji after iamcal/emoji-data; gemoji (GitHub's names) agrees on almost all of
// them. These are the common Slack names that gemoji spells differently.
const SLACK_ALIASES: Readonly<Record<string, string>> = {
  thinking_face: "thinking",
  hugging_face: "hugs",
  face_with_rolling_eyes: "roll_eyes",
  robot_face: "robot",
  white_frowning_face: "frowning_face",
  the_horns: "metal",
  sign_of_the_horns: "metal",
  grinning_face_with_star_eyes: "star_struck",
  face_with_hand_over_mouth: "hand_over_mouth",
  smiling_face_with_smiling_eyes_and_hand_covering_mouth: "hand_over_mouth",
  face_with_monocle: "monocle_face",
  smiling_face_with_3_hearts: "smiling_face_with_three_hearts",
  "spock-hand": "vulcan_salute",
  hand_with_index_and_middle_fingers_crossed: "crossed_fingers",
  heavy_heart_exclamation_mark_ornament: "heavy_heart_exclamation",
  face_palm: "facepalm",
  serious_face_with_symbols_covering_mouth: "cursing_face",
  shocked_face_with_exploding_head: "exploding_head",
  grinning_face_with_one_large_and_one_small_eye: "zany_face",
  face_with_finger_covering_closed_lips: "shushing_face",
  face_with_open_mouth_vomiting: "vomiting_face",
};

// Slack's own pre-Unicode smiley, drawn as an image there; the closest character is 🙂.
const SLACK_ONLY: Readonly<Record<string, string>> = { simple_smile: "🙂" };

/** The Slack alias table, exported for the test that checks every target exists in gemoji. */
export const slackEmojiAliases: Readonly<Record<string, string>> = SLACK_ALIASES;

const REGIONAL_A = 0x1f1e6;

function gemojiByName(name: string): string | null {
  return Object.hasOwn(nameToEmoji, name) ? (nameToEmoji[name] ?? null) : null;
}

/**
 * The Unicode emoji for a Slack shortcode name (without colons), or null for names it does not
 * know, such as a workspace's custom emoji.
 */
export function emojiForShortcode(name: string): string | null {
  const direct = gemojiByName(name);
  if (direct) return direct;
  if (Object.hasOwn(SLACK_ONLY, name)) return SLACK_ONLY[name] ?? null;
  if (Object.hasOwn(SLACK_ALIASES, name)) return gemojiByName(SLACK_ALIASES[name] ?? "");
  // Slack writes every country flag as `flag-xx`; the flag is the two regional indicators.
  const flag = /^flag-([a-z]{2})$/.exec(name);
  if (flag?.[1]) {
    const code = flag[1];
    return String.fromCodePoint(
      REGIONAL_A + code.charCodeAt(0) - 97,
      REGIONAL_A + code.charCodeAt(1) - 97,
    );
  }
  // Slack joins words with hyphens where gemoji uses underscores (man-shrugging, man_shrugging).
  if (name.includes("-")) return gemojiByName(name.replaceAll("-", "_"));
  return null;
}

// `:skin-tone-2:` … `:skin-tone-6:` are the five Fitzpatrick modifiers, U+1F3FB … U+1F3FF.
const SKIN_TONE_BASE = 0x1f3fb - 2;

/**
 * Applies a Slack skin tone (2–6, as in `:thumbsup::skin-tone-3:`) to an emoji. Emoji made of
 * several joined characters are left as they are: where the modifier goes differs per sequence.
 */
export function withSkinTone(emoji: string, tone: number): string {
  if (tone < 2 || tone > 6 || emoji.includes("\u200d")) return emoji;
  const bare = emoji.endsWith("\ufe0f") ? emoji.slice(0, -1) : emoji;
  return bare + String.fromCodePoint(SKIN_TONE_BASE + tone);
}
