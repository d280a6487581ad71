/** The console's CSS: a WhatsApp-like phone and a Slack-like workspace, no external fonts. */
export const CONSOLE_STYLE = `
*{box-sizing:border-box}
body{margin:0;display:flex;flex-direction:column;height:100vh;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;color:#1d1c1d;background:#e9e4dc}
button{font:inherit;cursor:pointer}
button:disabled{cursor:not-allowed;opacity:.5}
.muted{color:#6b6b6b}
.topbar{display:flex;flex-wrap:wrap;gap:8px 20px;align-items:center;padding:8px 16px;background:#1d1c1d;color:#fff}
.topbar .muted{color:#bbb}
.topbar button{background:#3a3a3a;color:#fff;border:1px solid #555;border-radius:6px;padding:3px 9px}
.topbar button:hover:not(:disabled){background:#4a4a4a}
.topbar input[type=number]{width:44px;background:#2b2b2b;color:#fff;border:1px solid #555;border-radius:4px;padding:2px 4px}
.brand{font-weight:700;font-size:16px}
.tag{background:#e8912d;color:#1d1c1d;border-radius:4px;padding:1px 6px;font-size:12px;margin-left:4px}
.group{display:flex;gap:6px;align-items:center;flex-wrap:wrap}
.conn{margin-left:auto;font-size:12px;color:#bbb}
.conn.live{color:#7bd88f}
main{flex:1;display:grid;grid-template-columns:380px 1fr;gap:16px;padding:16px;min-height:560px}
.phone{display:flex;justify-content:center;min-height:0}
.phone-frame{display:flex;flex-direction:column;width:360px;border:10px solid #111;border-radius:32px;background:#efeae2;overflow:hidden;box-shadow:0 6px 24px rgba(0,0,0,.25)}
.phone-head{display:flex;gap:10px;align-items:center;padding:10px 12px;background:#075e54;color:#fff}
.phone-head .name{font-weight:600}
.phone-head .sub{font-size:12px;opacity:.85}
.avatar{width:34px;height:34px;border-radius:50%;display:flex;align-items:center;justify-content:center;background:#ddd;flex:none}
.avatar.biz{background:#fff}
.wa-chat{flex:1;overflow-y:auto;padding:10px 8px;display:flex;flex-direction:column;gap:4px}
.wa-day{align-self:center;background:#fff;color:#54656f;font-size:11px;border-radius:6px;padding:2px 8px;margin:4px 0;box-shadow:0 1px .5px rgba(0,0,0,.13)}
.wa-bubble{max-width:82%;padding:6px 8px 4px;border-radius:8px;box-shadow:0 1px .5px rgba(0,0,0,.13);word-wrap:break-word;white-space:normal}
.wa-bubble.in{align-self:flex-end;background:#d9fdd3}
.wa-bubble.out{align-self:flex-start;background:#fff}
.wa-bubble .who{font-size:11px;font-weight:600;color:#1f7aa8}
.wa-bubble .meta{font-size:11px;color:#667781;text-align:right;margin-top:2px;white-space:nowrap}
.wa-bubble blockquote{margin:2px 0;padding-left:6px;border-left:3px solid #25d366;color:#555}
.wa-bubble code{background:rgba(0,0,0,.06);padding:0 3px;border-radius:3px}
.wa-bubble .err{color:#c00;font-size:11px}
.ticks{letter-spacing:-3px;margin-left:4px}
.ticks.read{color:#53bdeb}
.ticks.failed{color:#d00;letter-spacing:0}
.wa-buttons{display:flex;flex-direction:column;gap:2px;margin-top:4px}
.wa-buttons button{background:#fff;border:0;border-top:1px solid #e5e5e5;color:#027eb5;padding:4px}
.wa-quick{display:flex;gap:4px;padding:4px 6px 0;background:#f0f2f5}
.wa-quick button{flex:1;border:1px solid #d1d7db;background:#fff;border-radius:14px;padding:3px 4px;font-size:12px}
.wa-compose{display:flex;gap:6px;padding:6px;background:#f0f2f5}
.wa-compose input{flex:1;border:0;border-radius:18px;padding:8px 12px;font:inherit}
.wa-compose button{border:0;border-radius:50%;width:36px;height:36px;background:#00a884;color:#fff}
.slack{display:grid;grid-template-columns:200px 1fr;border-radius:8px;overflow:hidden;background:#fff;box-shadow:0 2px 10px rgba(0,0,0,.12);min-height:0}
.slack-side{background:#3f0e40;color:#e8d8e8;padding:12px 8px;display:flex;flex-direction:column;gap:2px}
.slack-side .ws{font-weight:700;color:#fff;padding:0 8px 10px}
.slack-side .nav{text-align:left;background:none;border:0;color:inherit;padding:4px 8px;border-radius:6px}
.slack-side .nav.active{background:#1164a3;color:#fff}
.slack-side .model{margin-top:auto;font-size:12px;padding:8px;opacity:.8}
.slack-main{overflow-y:auto;min-height:0}
.channel-head{position:sticky;top:0;z-index:1;background:#fff;border-bottom:1px solid #ddd;padding:10px 16px;font-weight:700}
.empty{color:#777;padding:16px}
.thread{border-bottom:1px solid #eee;padding:8px 16px 12px}
.replies{margin-left:44px;border-left:2px solid #e2e2e2;padding-left:10px}
.msg{display:flex;gap:8px;padding:6px 0}
.msg .avatar{border-radius:6px;width:32px;height:32px}
.msg.bot .avatar{background:#4a154b;color:#fff}
.msg-body{flex:1;min-width:0}
.msg-head{font-size:13px}
.msg-head .app{font-size:10px;background:#eee;color:#555;border-radius:3px;padding:0 3px;margin-left:4px}
.msg.ephemeral{background:#f8f4e5;border-radius:6px;padding:6px}
.msg.ephemeral .msg-head::after{content:" · only visible to you";color:#888;font-size:11px}
.reactions{display:flex;gap:4px;margin-top:4px;flex-wrap:wrap}
.reaction{border:1px solid #cfe0ee;background:#eef5fb;border-radius:12px;padding:0 6px;font-size:12px}
.composer{display:flex;gap:6px;margin:8px 0 0 44px}
.composer input{flex:1;border:1px solid #bbb;border-radius:6px;padding:6px 8px;font:inherit}
.composer button{border:1px solid #bbb;background:#fff;border-radius:6px;padding:4px 10px}
.composer button.send{background:#007a5a;color:#fff;border-color:#007a5a}
.bk-header{font-weight:700;font-size:16px;margin:2px 0 4px}
.bk-section{display:flex;gap:8px;margin:4px 0}
.bk-section-body{flex:1;min-width:0}
.bk-fields{display:grid;grid-template-columns:1fr 1fr;gap:4px 16px;margin-top:4px}
.bk-context{font-size:12px;color:#616061;margin:4px 0}
.bk-divider{border:0;border-top:1px solid #ddd}
.bk-actions{display:flex;gap:6px;flex-wrap:wrap;margin:6px 0}
.bk-btn{border:1px solid #bbb;background:#fff;border-radius:6px;padding:3px 10px;font-weight:600}
.bk-btn:hover{background:#f4f4f4}
.bk-btn.bk-primary{background:#007a5a;border-color:#007a5a;color:#fff}
.bk-btn.bk-danger{color:#e01e5a;border-color:#e01e5a}
.bk-img{color:#666;font-size:12px}
.bk-unknown{color:#999;font-size:12px}
.bk-text pre,.bk-section pre{background:#f6f6f6;border:1px solid #ddd;border-radius:4px;padding:6px;white-space:pre-wrap}
.bk-section code,.bk-text code{background:#f6f6f6;color:#c01343;border:1px solid #ddd;border-radius:3px;padding:0 2px}
.bk-section blockquote,.bk-text blockquote{margin:2px 0;padding-left:8px;border-left:4px solid #ddd}
.mention{background:#e8f5fa;color:#1264a3;border-radius:3px;padding:0 2px}
.bk-input-block{margin:10px 0;display:flex;flex-direction:column;gap:4px}
.bk-label{font-weight:700}
.bk-input,.bk-select{font:inherit;padding:6px 8px;border:1px solid #bbb;border-radius:6px}
.bk-hint{font-size:12px;color:#666}
.bk-error{font-size:12px;color:#e01e5a}
.home{padding:8px 16px}
.modal-backdrop{position:fixed;inset:0;background:rgba(0,0,0,.45);display:flex;align-items:center;justify-content:center;z-index:10}
.modal-backdrop[hidden]{display:none}
.modal{background:#fff;border-radius:8px;width:520px;max-width:94vw;max-height:88vh;display:flex;flex-direction:column;box-shadow:0 10px 40px rgba(0,0,0,.35)}
.modal-title{font-weight:700;font-size:18px;padding:14px 18px;border-bottom:1px solid #ddd}
.modal-body{padding:8px 18px;overflow-y:auto}
.modal-foot{display:flex;justify-content:flex-end;gap:8px;padding:12px 18px;border-top:1px solid #ddd}
.modal-foot button{border:1px solid #bbb;background:#fff;border-radius:6px;padding:5px 14px;font-weight:600}
.modal-foot .submit{background:#007a5a;color:#fff;border-color:#007a5a}
.toast{position:fixed;bottom:16px;left:50%;transform:translateX(-50%);background:#1d1c1d;color:#fff;padding:8px 14px;border-radius:6px;z-index:20;max-width:80vw}
.toast.error{background:#a4133c}
a{color:#1264a3}
`;
