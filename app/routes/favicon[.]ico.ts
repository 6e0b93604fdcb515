import { redirect } from "@remix-run/node";

/** Browsers that ask for /favicon.ico without reading the page's icon link get the SVG. */
export function loader() {
  return redirect("/favicon.svg", 301);
}
