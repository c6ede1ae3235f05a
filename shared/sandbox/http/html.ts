/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** A tagged template whose `${}` values are escaped; `SafeHtml` values are inserted as they are. */
export class SafeHtml {
  readonly value: string;
  constructor(value: string) {
    this.value = value;
  }
  toString(): string {
    return this.value;
  }
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

function render(value: unknown): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === undefined || value === null || value === false) return '';
  return escapeHtml(String(value));
}

const STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f4f5f6;color:#1e2b3c;line-height:1.5}
main{max-width:40rem;margin:2rem auto;background:#fff;padding:2rem;border-radius:.5rem;box-shadow:0 1px 3px #0002}
h1{font-size:1.4rem;margin-top:0}h2{font-size:1.05rem;margin-bottom:.25rem}
.en{color:#4b5563;font-size:.95rem;margin-top:-.5rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}
ul{padding-left:1.25rem}code{overflow-wrap:anywhere}
label{display:block;font-weight:600;margin-top:1rem}input[type=text]{width:100%;box-sizing:border-box;padding:.5rem;font-size:1rem;border:1px solid #6b7280;border-radius:.25rem}
.hint{font-size:.9rem;color:#4b5563}.error{color:#b91c1c;font-weight:600}
.actions{display:flex;gap:1rem;margin-top:1.5rem}
button{font-size:1rem;padding:.6rem 1.4rem;border-radius:.25rem;border:2px solid #0062ba;cursor:pointer}
button.approve{background:#0062ba;color:#fff}button.reject{background:#fff;color:#0062ba}
button:focus-visible,input:focus-visible{outline:3px solid #f0c000;outline-offset:2px}
.sandbox{font-size:.8rem;color:#6b7280;margin-top:2rem}
`;

/** A complete, script-free page: Norwegian first (`lang="nb"`), English alongside. */
export function page(title: string, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="nb">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${title}</title>
<style>${new SafeHtml(STYLE)}</style>
</head>
<body>
<main>
${body}
<p class="sandbox">Altinn-sandkasse (simulert) · Altinn sandbox (simulated)</p>
</main>
</body>
</html>
`.value;
}
