// The tab icon: a deck of three status bars (ok, warning, critical) on the header's navy.
const ICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#14213d"/><rect x="6" y="7" width="20" height="4" rx="2" fill="#1a7f37"/><rect x="6" y="14" width="14" height="4" rx="2" fill="#f0b400"/><rect x="6" y="21" width="9" height="4" rx="2" fill="#e5534b"/></svg>`;

export function loader() {
  return new Response(ICON, { headers: { "Content-Type": "image/svg+xml", "Cache-Control": "public, max-age=86400" } });
}
