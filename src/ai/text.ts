/**
 * Small text helpers shared by the knowledge base and the answer cache: folding (lower case,
 * no diacritics), words, and the filler words of Indonesian and English chat that carry no
 * topic ("kak", "dong", "please", ...).
 */
const FILLER = new Set(
  // Indonesian: particles, pronouns, greetings, question words, chat fillers.
  (
    "yang dan di ke dari ini itu apa apakah ada kak kakak ka min mimin gan sis bang mas mbak ya yah " +
    "dong deh sih nih tuh kah lah pun saya aku gue gw kami kita anda kamu mau ingin tanya nanya " +
    "bisa boleh tolong mohon minta berapa bagaimana gimana gmn kapan dimana mana kenapa mengapa " +
    "halo hai hallo pagi siang sore malam selamat terima kasih makasih untuk buat dengan atau juga " +
    "sudah udah belum masih akan lagi aja saja kalau kalo kok tidak nggak gak ga engga enggak " +
    "yg dgn utk tdk sy jg " +
    // English.
    "the a an is are am was were be been do does did you your yours i me my mine we our us it its " +
    "this that these those what which who whom how when where why can could would should will " +
    "shall may might must to of for in on at by with from about as and or but if so please pls " +
    "hi hello hey there thanks thank any some have has had get got there here just also know tell"
  ).split(/\s+/),
);

/** Lower case without diacritics. */
export function fold(text: string): string {
  return text
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase();
}

/** All words (letters and digits) of a text, folded. */
export function words(text: string): string[] {
  return fold(text).match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** Words that carry the topic: no filler words, no single letters. */
export function contentWords(text: string): string[] {
  return words(text).filter((w) => w.length > 1 && !FILLER.has(w));
}

export const isFiller = (w: string) => FILLER.has(w);
