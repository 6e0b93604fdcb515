/**
 * Lower-case names of properties of window, document, forms, elements and Object.prototype
 * (taken from Chromium). A heading slug equal to one of them could shadow a global or a DOM
 * property (DOM clobbering), so such ids get the "user-content-" prefix and links follow them.
 */
const DOM_NAMES = new Set([
  "__proto__", "action", "after", "alert", "all", "anchors", "animate", "append", "applets", "atob",
  "attributes", "autocapitalize", "autocomplete", "autocorrect", "autofocus", "background", "before", "blur",
  "body", "btoa", "charset", "children", "chrome", "clear", "click", "close", "closed", "closest", "confirm",
  "console", "constructor", "contains", "cookie", "credentialless", "crypto", "dataset", "dir", "doctype",
  "document", "domain", "draggable", "elements", "embeds", "encoding", "enctype", "escape", "eval", "evaluate",
  "event", "external", "fence", "fetch", "find", "focus", "fonts", "forms", "frames", "fullscreen", "head",
  "hidden", "history", "id", "images", "implementation", "inert", "lang", "length", "link", "links",
  "location", "locationbar", "matches", "menubar", "method", "name", "navigation", "navigator", "nonce",
  "normalize", "onabort", "onafterprint", "onanimationcancel", "onanimationend", "onanimationiteration",
  "onanimationstart", "onappinstalled", "onauxclick", "onbeforecopy", "onbeforecut", "onbeforeinput",
  "onbeforeinstallprompt", "onbeforematch", "onbeforepaste", "onbeforeprint", "onbeforetoggle",
  "onbeforeunload", "onbeforexrselect", "onblur", "oncancel", "oncanplay", "oncanplaythrough", "onchange",
  "onclick", "onclose", "oncommand", "oncontentvisibilityautostatechange", "oncontextlost", "oncontextmenu",
  "oncontextrestored", "oncopy", "oncuechange", "oncut", "ondblclick", "ondrag", "ondragend", "ondragenter",
  "ondragleave", "ondragover", "ondragstart", "ondrop", "ondurationchange", "onemptied", "onended", "onerror",
  "onfocus", "onformdata", "onfreeze", "onfullscreenchange", "onfullscreenerror", "ongamepadconnected",
  "ongamepaddisconnected", "ongotpointercapture", "onhashchange", "oninput", "oninvalid", "onkeydown",
  "onkeypress", "onkeyup", "onlanguagechange", "onload", "onloadeddata", "onloadedmetadata", "onloadstart",
  "onlostpointercapture", "onmessage", "onmessageerror", "onmousedown", "onmouseenter", "onmouseleave",
  "onmousemove", "onmouseout", "onmouseover", "onmouseup", "onmousewheel", "onoffline", "ononline",
  "onpagehide", "onpagereveal", "onpageshow", "onpageswap", "onpaste", "onpause", "onplay", "onplaying",
  "onpointercancel", "onpointerdown", "onpointerenter", "onpointerleave", "onpointerlockchange",
  "onpointerlockerror", "onpointermove", "onpointerout", "onpointerover", "onpointerup", "onpopstate",
  "onprerenderingchange", "onprogress", "onratechange", "onreadystatechange", "onrejectionhandled", "onreset",
  "onresize", "onresume", "onscroll", "onscrollend", "onscrollsnapchange", "onscrollsnapchanging", "onsearch",
  "onsecuritypolicyviolation", "onseeked", "onseeking", "onselect", "onselectionchange", "onselectstart",
  "onslotchange", "onstalled", "onstorage", "onsubmit", "onsuspend", "ontimeupdate", "ontoggle",
  "ontransitioncancel", "ontransitionend", "ontransitionrun", "ontransitionstart", "onunhandledrejection",
  "onunload", "onvisibilitychange", "onvolumechange", "onwaiting", "onwebkitanimationend",
  "onwebkitanimationiteration", "onwebkitanimationstart", "onwebkitfullscreenchange",
  "onwebkitfullscreenerror", "onwebkittransitionend", "onwheel", "open", "opener", "origin", "parent", "part",
  "performance", "personalbar", "plugins", "popover", "prefix", "prepend", "prerendering", "print", "prompt",
  "pseudo", "referrer", "rel", "remove", "reset", "role", "scheduler", "screen", "scripts", "scroll",
  "scrollbars", "self", "slot", "spellcheck", "status", "statusbar", "stop", "style", "submit", "target",
  "text", "timeline", "title", "toolbar", "top", "translate", "undefined", "unescape", "viewport", "when",
  "window", "write", "writeln",
]);

export const CLOBBER_PREFIX = "user-content-";

/** True when an element id must not be used as is. */
export function isDangerousId(id: string): boolean {
  return id.startsWith("__") || DOM_NAMES.has(id.toLowerCase());
}
