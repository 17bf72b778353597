"""The in-page half of the render steps: one JavaScript function per scroll or click round.

A round runs inside the page in one call (one round trip to the browser, however busy the
spider's event loop is with parsing and storing other pages): count the content items, act
(scroll to the bottom, or click the "load more" button), wait two frames so the page has
handled the event, then wait up to ``idle`` milliseconds for the item count to grow. The
items are the union of the selectors' elements (CSS, or XPath when the selector starts with
``/``, ``./`` or ``(``), evaluated by the browser itself. With ``collect``, the round also
returns the HTML of the items it added (an incremental crawl judges that batch: were they all
stored already?), and :data:`SHOWN` returns the HTML of the items shown before any round.

The click is the element's ``click()``: it reaches the button's handlers even when a banner
covers it, and does nothing on a disabled button.
"""

from __future__ import annotations

ROUND = """
async ({items, action, button, idle, collect}) => {
  const isXpath = (s) => s.startsWith("/") || s.startsWith("./") || s.startsWith("(");
  const select = (s) => {
    if (!isXpath(s)) return Array.from(document.querySelectorAll(s));
    const found = document.evaluate(s, document, null, XPathResult.ORDERED_NODE_SNAPSHOT_TYPE,
                                    null);
    return Array.from({length: found.snapshotLength}, (_, i) => found.snapshotItem(i));
  };
  const all = () => {
    const seen = new Set();
    for (const s of items) for (const e of select(s)) seen.add(e);
    return Array.from(seen);
  };
  const visible = (e) => !!e && !!(e.offsetWidth || e.offsetHeight || e.getClientRects().length)
    && getComputedStyle(e).visibility !== "hidden";
  const target = () => (button ? select(button)[0] : undefined);
  const before = all();
  if (action === "click") {
    const b = target();
    if (!visible(b)) return {clicked: false, before: before.length, after: before.length};
    b.click();
  } else {
    if (before.length) before[before.length - 1].scrollIntoView({block: "end"});
    window.scrollTo(0, document.documentElement.scrollHeight);
  }
  await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
  const start = performance.now();
  let after = all().length;
  while (after <= before.length && performance.now() - start < idle) {
    await new Promise((done) => setTimeout(done, 25));
    after = all().length;
  }
  const known = new Set(before);
  const added = collect ? all().filter((e) => !known.has(e)).map((e) => e.outerHTML) : [];
  return {clicked: action === "click", before: before.length, after, added,
          more: action === "click" && visible(target())};
}
"""

SHOWN = """
(items) => {
  const isXpath = (s) => s.startsWith("/") || s.startsWith("./") || s.startsWith("(");
  const seen = new Set();
  for (const s of items) {
    if (!isXpath(s)) { for (const e of document.querySelectorAll(s)) seen.add(e); continue; }
    const found = document.evaluate(s, document, null, XPathResult.ORDERED_NODE_SNAPSHOT_TYPE,
                                    null);
    for (let i = 0; i < found.snapshotLength; i++) seen.add(found.snapshotItem(i));
  }
  return Array.from(seen, (e) => e.outerHTML);
}
"""
