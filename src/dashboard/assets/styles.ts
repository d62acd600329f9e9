/**
 * The dashboard's stylesheet, served from the package at `<base>/assets/…css`: no inline style anywhere. Tables
 * fit their card by wrapping long ids and topics at their separators (`breakable`) and times between date
 * and clock (`timeCell`); one still wider (a phone) scrolls inside its box, whose edges then shade (the covers scroll with the
 * content, the shadows stay) so the cut is visible even where scrollbars are hidden.
 */
export const STYLES = `
:root{--bg:#f6f7f9;--panel:#fff;--text:#1b1f24;--muted:#5b6470;--line:#dde1e6;--accent:#2459c7;--accent-text:#fff;
--ok:#1f7a3d;--ok-bg:#e3f4e8;--bad:#b4232a;--bad-bg:#fbe5e6;--warn:#8a5a00;--warn-bg:#fdf1d8;--info:#1d5fa8;--info-bg:#e3eefb;
--code-bg:#eef1f4;--focus:#f0a500;--shadow:rgb(0 0 0 / .18);--radius:8px;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color-scheme:light dark}
@media (prefers-color-scheme:dark){:root{--bg:#111418;--panel:#1a1f25;--text:#e6e9ed;--muted:#9aa4b1;--line:#2d343c;--accent:#6d9cff;
--accent-text:#0b0e12;--ok:#6fd18f;--ok-bg:#173322;--bad:#ff8a8f;--bad-bg:#3a1c1f;--warn:#f2c25b;--warn-bg:#3a2e12;--info:#86b7ff;
--info-bg:#182a44;--code-bg:#232a32;--shadow:rgb(0 0 0 / .7)}}
*{box-sizing:border-box}
html{background:var(--bg);color:var(--text);font-size:15px;line-height:1.45}
body{margin:0;min-height:100vh;display:flex;flex-direction:column}
a{color:var(--accent)}
a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,textarea:focus-visible,summary:focus-visible,main:focus-visible,.table-wrap:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em}
code{background:var(--code-bg);padding:.05em .3em;border-radius:4px;overflow-wrap:anywhere}
.skip{position:absolute;left:-999px;top:0;background:var(--panel);padding:.5rem 1rem;z-index:10}
.skip:focus{left:.5rem}
.sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.top{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1.5rem;padding:.6rem 1.25rem;background:var(--panel);border-bottom:1px solid var(--line)}
.brand{font-weight:700;font-size:1.1rem;text-decoration:none;color:var(--text)}
.top nav{display:flex;flex-wrap:wrap;gap:.25rem}
.top nav a{padding:.35rem .7rem;border-radius:6px;text-decoration:none;color:var(--muted)}
.top nav a[aria-current=page]{background:var(--code-bg);color:var(--text);font-weight:600}
.zone{margin-left:auto;display:flex;border:1px solid var(--line);border-radius:6px;overflow:hidden}
.zone a{padding:.25rem .6rem;text-decoration:none;color:var(--muted);font-size:.9rem}
.zone a[aria-current=true]{background:var(--accent);color:var(--accent-text)}
main{flex:1;width:100%;max-width:1400px;margin:0 auto;padding:1rem 1.25rem 2rem}
.heading{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;gap:.75rem;margin:.5rem 0 1rem}
h1{font-size:1.5rem;margin:0;overflow-wrap:anywhere}
h2{font-size:1.1rem;margin:1.25rem 0 .6rem}
.card h2{margin-top:0}
h3{font-size:.95rem;margin:1rem 0 .5rem}
.tools{display:flex;flex-wrap:wrap;gap:.5rem}
.grid{display:grid;gap:1rem;margin-bottom:1rem}
.grid.two{grid-template-columns:repeat(auto-fit,minmax(min(100%,420px),1fr))}
.grid.two.wide{grid-template-columns:repeat(auto-fit,minmax(min(100%,640px),1fr))}
.grid.three{grid-template-columns:repeat(auto-fit,minmax(min(100%,280px),1fr))}
.card{background:var(--panel);border:1px solid var(--line);border-radius:var(--radius);padding:1rem 1.1rem}
.stats{display:flex;flex-wrap:wrap;gap:.75rem}
.stat{display:flex;flex-direction:column;min-width:6.5rem;padding:.5rem .75rem;border-radius:6px;background:var(--code-bg);text-decoration:none;color:var(--text)}
.stat-value{font-size:1.5rem;font-weight:700}
.stat-label{color:var(--muted);font-size:.85rem}
.stat.bad .stat-value{color:var(--bad)}.stat.warn .stat-value{color:var(--warn)}
.table-wrap{overflow-x:auto;border:1px solid var(--line);border-radius:var(--radius);
background:linear-gradient(to right,var(--panel) 30%,transparent) left center/2.5rem 100% no-repeat local,
linear-gradient(to left,var(--panel) 30%,transparent) right center/2.5rem 100% no-repeat local,
radial-gradient(farthest-side at 0 50%,var(--shadow),transparent) left center/.8rem 100% no-repeat scroll,
radial-gradient(farthest-side at 100% 50%,var(--shadow),transparent) right center/.8rem 100% no-repeat scroll,var(--panel)}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.5rem .7rem;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:.8rem;text-transform:uppercase;letter-spacing:.03em;color:var(--muted);white-space:nowrap}
tbody tr:last-child td{border-bottom:0}
.whole{white-space:nowrap}
td code{overflow-wrap:normal;word-break:normal}
.rel{color:var(--muted);font-size:.85em;white-space:nowrap}
.muted{color:var(--muted)}
.empty{padding:1rem;background:var(--panel);border:1px dashed var(--line);border-radius:var(--radius);color:var(--muted)}
.badge{display:inline-block;padding:.05rem .5rem;border-radius:999px;font-size:.8rem;font-weight:600;background:var(--code-bg);color:var(--muted);white-space:nowrap}
.badge.ok{background:var(--ok-bg);color:var(--ok)}.badge.bad{background:var(--bad-bg);color:var(--bad)}
.badge.warn{background:var(--warn-bg);color:var(--warn)}.badge.info{background:var(--info-bg);color:var(--info)}
.flash{padding:.7rem 1rem;border-radius:var(--radius);margin-bottom:1rem;border:1px solid var(--line)}
.flash.ok{background:var(--ok-bg);color:var(--ok)}.flash.bad{background:var(--bad-bg);color:var(--bad)}.flash.info{background:var(--info-bg);color:var(--info)}
.fields{display:grid;grid-template-columns:max-content 1fr;gap:.35rem 1rem;margin:0}
.fields dt{color:var(--muted)}.fields dd{margin:0;overflow-wrap:anywhere}
@media (max-width:560px){.fields{grid-template-columns:1fr}.fields dd{margin-bottom:.4rem}.zone{margin-left:0}}
.btn{display:inline-block;font:inherit;font-weight:600;padding:.4rem .9rem;border-radius:6px;border:1px solid var(--line);background:var(--panel);color:var(--text);cursor:pointer;text-decoration:none;line-height:1.3}
.btn.primary{background:var(--accent);border-color:var(--accent);color:var(--accent-text)}
.btn.danger{color:var(--bad);border-color:var(--bad)}
.btn[aria-busy=true]{opacity:.6;cursor:progress}
form.inline{display:inline}
.filters{display:flex;flex-wrap:wrap;align-items:flex-end;gap:.6rem 1rem;margin-bottom:1rem}
.filters label,.stack label{display:flex;flex-direction:column;gap:.25rem;font-size:.9rem;color:var(--muted)}
.stack{display:flex;flex-direction:column;gap:.8rem;margin-bottom:1rem}
.form{max-width:42rem}
input,select,textarea{font:inherit;color:var(--text);background:var(--bg);border:1px solid var(--line);border-radius:6px;padding:.4rem .55rem;min-height:2.2rem}
fieldset{border:1px solid var(--line);border-radius:var(--radius);padding:.6rem 1rem;display:flex;flex-direction:column;gap:.4rem}
legend{color:var(--muted);padding:0 .3rem}
.stack label.check{flex-direction:row;align-items:center;gap:.5rem;color:var(--text)}
.row{display:flex;gap:.6rem;align-items:center}
.pager{display:flex;gap:1.5rem;margin:1rem 0}
pre.body{background:var(--code-bg);padding:.8rem;border-radius:var(--radius);overflow:auto;max-height:28rem;white-space:pre-wrap;word-break:break-all}
pre.body code{background:none;padding:0}
.excerpt{display:inline-block;max-width:28rem;white-space:pre-wrap;word-break:break-all}
.secret-row{display:flex;flex-wrap:wrap;gap:.6rem;align-items:center;margin-bottom:1rem}
.secret{font-size:1rem;padding:.5rem .7rem;user-select:all}
.foot{padding:.8rem 1.25rem;color:var(--muted);font-size:.85rem;border-top:1px solid var(--line)}
.error-page{max-width:40rem}
dialog{border:1px solid var(--line);border-radius:var(--radius);background:var(--panel);color:var(--text);padding:1.25rem;width:min(44rem,calc(100vw - 2rem));max-height:calc(100vh - 2rem)}
dialog::backdrop{background:rgb(0 0 0 / .45)}
`;
