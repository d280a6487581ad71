import { describe, expect, it } from "vitest";
import { whatsappToHtml } from "./whatsapp.ts";

describe("whatsappToHtml", () => {
  it("renders WhatsApp's formatting as the phone shows it", () => {
    expect(whatsappToHtml("*tebal* dan _miring_ tautan (https://example.com)")).toBe(
      '<strong>tebal</strong> dan <em>miring</em> tautan (<a href="https://example.com" target="_blank" rel="noopener noreferrer">https://example.com</a>)',
    );
    expect(whatsappToHtml("~coret~ `kode` ```*mono*```")).toBe(
      '<del>coret</del> <code>kode</code> <code class="mono">*mono*</code>',
    );
    expect(whatsappToHtml("> kutipan\nbaris")).toBe("<blockquote>kutipan</blockquote>baris");
  });

  it("escapes the customer's text", () => {
    expect(whatsappToHtml(`<img src=x onerror="alert(1)"> & 'a'`)).toBe(
      "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; &#39;a&#39;",
    );
    expect(whatsappToHtml("\uE0000\uE001")).toBe("0");
  });
});
