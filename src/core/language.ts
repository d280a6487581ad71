import { analysisText } from "./analysis-text.ts";
import { normalizeWords } from "./normalize-text.ts";

/** The languages the assistant answers in. */
export type Language = "id" | "en";

// Function words and chat particles: frequent, short, and rarely shared between the two
// languages, so a handful of them decides even a one-line message. Words both languages use
// on WhatsApp ("ok", "admin", "cs", "stop", brand names) are deliberately in neither list.
const indonesian = new Set(
  `yang dan di ke dari ini itu saya aku kamu anda kak kakak kami kita mereka dia apa apakah
  berapa bisa tidak ada sudah belum mau ingin akan sedang lagi juga saja dong ya sih deh nih kok
  kah lho gimana bagaimana kenapa mengapa dimana kapan siapa tolong minta terima kasih makasih
  pagi siang sore malam halo hai selamat untuk dengan sama tapi tetapi kalau jika karena atau
  jam hari buka tutup harga pesanan barang toko alamat mana banget udah dulu punya boleh harus
  bayar kirim sampai masih cara pakai beli kantor cabang`.split(/\s+/),
);
const english = new Set(
  `the a an is are was were be been i you your my me we our they it this that these those what
  how where when why who which can could would should will do does did have has had not no yes
  please thanks thank hi hello hey to of for in on at with from and or but if then there here
  want need get order store open hours price much many any some all just only still already
  about after before im its dont cant tell give send more than again unsubscribe human person`.split(
    /\s+/,
  ),
);

/**
 * Guess Indonesian vs English from a short WhatsApp message by counting each language's common
 * words (a word list, not a model). Returns `fallback` ("id" if omitted) when the counts tie,
 * e.g. for "ok", "STOP" or an order number alone. Reads the first `ANALYSIS_MAX_CHARS`
 * characters (analysis-text.ts).
 */
export function detectLanguage(text: string, fallback: Language = "id"): Language {
  let id = 0;
  let en = 0;
  for (const word of normalizeWords(analysisText(text))) {
    if (indonesian.has(word)) id += 1;
    else if (english.has(word)) en += 1;
    // Indonesian suffixes ("barangnya", "kirimkan") mark words no list can hold; prefixes
    // ("di-", "me-") are left out because too many English words start the same way.
    else if (word.length > 5 && (word.endsWith("nya") || word.endsWith("kan"))) id += 0.5;
  }
  if (id === en) return fallback;
  return id > en ? "id" : "en";
}
