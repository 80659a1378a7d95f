"""The page's side of one plotly.js per page (gradlab/views/figure.py, SHARED_PLOTLY; the
kernel's side is tests/test_startup_cache.py): the module each Figure sends, run in Chromium
with a stand-in for plotly's code and for the page's widget manager, evaluates plotly's code
once for three figures of one kernel and once more for another kernel's, and gives each figure
a widget of its own."""

from __future__ import annotations

from gradlab.views.figure import SHARED_PLOTLY

# The page's side, in Chromium: a stand-in for plotly's module (counting its evaluations, a
# factory of per-figure widgets, as plotly's default export is) and for the widget manager (the
# PlotlyCode's model registered only after the first figure asks for it, as on a busy page).
FAKE_PLOTLY = """
globalThis.evaluations = (globalThis.evaluations || 0) + 1;
export default () => {
  let model;
  return {
    initialize(context) {
      model = context.model;
      model.initialized = (model.initialized || 0) + 1;
    },
    render(context) { context.el.drawnBy = model.get("name"); return () => {}; },
  };
};
"""

RUN_STUB = """async ([stub, plotly]) => {
  const models = new Map();
  const manager = { get_model: async (id) => {
    if (!models.has(id)) throw new Error("widget model not found");
    return models.get(id);
  } };
  const model = (state) => ({ get: (key) => state[key], widget_manager: manager });
  const url = URL.createObjectURL(new Blob([stub], { type: "text/javascript" }));
  const shared = await import(url);
  const figures = ["a", "b", "c"].map((name) => model({ name, _plotly_code: "code-1" }));
  const widgets = await Promise.all(figures.map(() => shared.default()));
  // the code as the kernel sends it: UTF-8 bytes, a DataView of the message's buffer
  const bytes = (text) => new DataView(new TextEncoder().encode(text).buffer);
  setTimeout(() => models.set("code-1", model({ code: bytes(plotly) })), 200);
  await Promise.all(widgets.map((widget, i) => widget.initialize({ model: figures[i] })));
  const elements = figures.map(() => ({}));
  widgets.forEach((widget, i) => widget.render({ model: figures[i], el: elements[i] }));
  // another kernel (another PlotlyCode, from an older gradlab: the code as text)
  models.set("code-2", model({ code: plotly }));
  const other = await shared.default();
  await other.initialize({ model: model({ name: "d", _plotly_code: "code-2" }) });
  return { evaluations: globalThis.evaluations, drawnBy: elements.map((el) => el.drawnBy),
           initialized: figures.map((figure) => figure.initialized) };
}"""


def test_the_page_evaluates_plotly_once_per_kernel(browser):
    page = browser.new_page()
    try:
        page.route("http://gradlab.test/", lambda route: route.fulfill(
            body="<!doctype html><title>stub</title>", content_type="text/html"))
        page.goto("http://gradlab.test/")
        result = page.evaluate(RUN_STUB, [SHARED_PLOTLY, FAKE_PLOTLY])
    finally:
        page.close()
    # three figures of one kernel: one evaluation; the second kernel's figure: one more
    assert result["evaluations"] == 2
    assert result["drawnBy"] == ["a", "b", "c"]  # each figure drawn by its own widget
    assert result["initialized"] == [1, 1, 1]
