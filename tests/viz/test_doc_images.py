"""The README's pictures, drawn by headless Chromium from the finished demo run.

* the kedro-viz flowchart of the whole loop (``__default__``; data_engineering and
  training as one box each), from the live ``kedro viz run`` server, light theme;
* the day's monitoring report (``monitoring_report``, an HTML file of the run);
* the training charts (``predicted_vs_actual_plot``, ``residuals_plot``,
  ``feature_drivers_plot``, ``protocol_comparison_plot``: plotly JSON of the run).

Where the report and the charts are is read from the run's catalog
(conf/base/catalog_08_reporting.yml). Each chart's axes are checked as drawn:
every axis is labelled and its categories are in their order (years ascending,
platforms alphabetical, candidates best first, drivers largest on top).

Pictures go to ``test-artifacts/viz/doc-img/``; ``make doc-images``
(``USER_SCORE_WRITE_DOC_IMAGES=1``) writes them to ``docs/img/`` too.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.viz.conftest import VIEWPORT, serve_folder
from tests.viz.doc_images import save_picture
from tests.viz.registry import short_task_name
from tests.viz.test_viz_browser import _NODES_JS, RENDER_TIMEOUT, _drain_logs
from user_score.reliability.storage import dataset_location

pytestmark = pytest.mark.browser

#: The training charts of the README: catalog dataset -> picture.
TRAINING_CHARTS = {
    "protocol_comparison_plot": "training-protocol-comparison.png",
    "residuals_plot": "training-residuals.png",
    "feature_drivers_plot": "training-feature-drivers.png",
    "predicted_vs_actual_plot": "training-predicted-vs-actual.png",
}
CHART_SIZE = (1000, 500)

_AXES_JS = """
return Array.from(document.querySelectorAll('.js-plotly-plot')).map(gd => {
  const L = gd._fullLayout, axes = {};
  for (const key of Object.keys(L).filter(k => /^[xy]axis\\d*$/.test(k))) {
    const axis = L[key];
    axes[key] = {
      title: (axis.title && axis.title.text) || '',
      shown: axis.visible !== false && axis.showticklabels !== false,
      type: axis.type,
      categories: Array.from(axis._categories || []),
      ticks: (axis._vals || []).map(tick => tick.text),
    };
  }
  return {title: (L.title && L.title.text) || '', axes: axes,
          traces: gd._fullData.map(t => ({x: Array.from(t.x || []), y: Array.from(t.y || [])}))};
});
"""
_PLOTS_DRAWN_JS = """
const plots = Array.from(document.querySelectorAll('.js-plotly-plot'));
return plots.length >= arguments[0]
  && plots.every(gd => gd._fullLayout && gd.querySelector('.main-svg'));
"""


@contextlib.contextmanager
def window(driver: Any, width: int, height: int) -> Iterator[None]:
    """The browser's viewport at ``width`` x ``height`` for a picture, then back."""

    def metrics(size: tuple[int, int]) -> dict[str, Any]:
        return {"width": size[0], "height": size[1], "deviceScaleFactor": 1, "mobile": False}

    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics((width, height)))
    try:
        yield
    finally:
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics(VIEWPORT))


#: kedro-viz's stored settings for the picture (read at start-up from localStorage).
VIZ_STATE = {
    "showFeatureHints": False,
    "theme": "light",
    "visible": {"sidebar": False, "miniMap": False},
}


@contextlib.contextmanager
def viz_settings(driver: Any, state: dict[str, Any]) -> Iterator[None]:
    """Pages opened meanwhile start kedro-viz with ``state`` (then the session's own)."""
    stored = json.dumps(json.dumps(state))
    script = f"try{{localStorage.setItem('KedroViz', {stored});}}catch(e){{}}"
    added = driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": script})
    try:
        yield
    finally:
        driver.execute_cdp_cmd(
            "Page.removeScriptToEvaluateOnNewDocument", {"identifier": added["identifier"]}
        )


def _wait_until_still(driver: Any, settle: float = 1.0) -> list[dict[str, Any]]:
    """The drawn nodes once the same ones have been drawn, fully faded in, for ``settle`` s."""
    from selenium.webdriver.support.ui import WebDriverWait

    last: dict[str, Any] = {"names": None, "since": 0.0}

    def still(browser: Any) -> list[dict[str, Any]] | bool:
        nodes = browser.execute_script(_NODES_JS)
        names = sorted(node["name"] for node in nodes)
        faded_in = all(node["opacity"] in (None, "1") for node in nodes)
        if names != last["names"] or not faded_in:
            last.update(names=names, since=time.monotonic())
            return False
        return nodes if nodes and time.monotonic() - last["since"] >= settle else False

    return WebDriverWait(driver, RENDER_TIMEOUT, poll_frequency=0.2).until(still)


@pytest.fixture(scope="module")
def run_catalog(demo_run_project: Path) -> Any:
    from tests.conftest import project_catalog

    return project_catalog(demo_run_project)


@pytest.fixture(scope="module")
def pages(run_catalog: Any, tmp_path_factory) -> Iterator[dict[str, str]]:
    """URLs of the run's monitoring report and of one page per training chart (HTTP).

    The pages load plotly.js from the monitoring folder, as the report does:
    nothing is fetched from the network.
    """
    import plotly.io

    site = tmp_path_factory.mktemp("doc-pictures")
    report = Path(dataset_location(run_catalog.get("monitoring_report")))
    monitoring = report.parent.parent  # <root>/08_reporting/monitoring/dt=<day>/
    shutil.copytree(monitoring, site / "monitoring")
    (site / "training").mkdir()
    for dataset in TRAINING_CHARTS:
        html = plotly.io.to_html(
            run_catalog.load(dataset),
            include_plotlyjs="../monitoring/plotly.min.js",
            full_html=True,
            default_width=f"{CHART_SIZE[0]}px",
            default_height=f"{CHART_SIZE[1]}px",
            config={"displayModeBar": False},
        )
        (site / "training" / f"{dataset}.html").write_text(html, encoding="utf-8")
    with serve_folder(site) as url:
        yield {
            "report": f"{url}monitoring/{report.parent.name}/{report.name}",
            **{dataset: f"{url}training/{dataset}.html" for dataset in TRAINING_CHARTS},
        }


def _wait_for_plots(driver: Any, count: int = 1) -> list[dict[str, Any]]:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, RENDER_TIMEOUT, poll_frequency=0.2).until(
        lambda browser: browser.execute_script(_PLOTS_DRAWN_JS, count)
    )
    time.sleep(0.3)  # plotly's transitions
    return driver.execute_script(_AXES_JS)


def _year_key(year: str) -> tuple[bool, str]:
    return (year == "unknown", year)


def _check_labelled(plot: dict[str, Any]) -> None:
    unlabelled = [
        name for name, axis in plot["axes"].items() if axis["shown"] and not axis["title"].strip()
    ]
    assert not unlabelled, f"{plot['title']!r}: axes without a title: {unlabelled}"


def test_flowchart_picture(driver, live_viz_url, viz_pipelines, artifact_dir):
    """The whole loop (``__default__``) from ``kedro viz run``: the namespaces as boxes."""
    pipeline = viz_pipelines["__default__"]
    with window(driver, 1400, 860), viz_settings(driver, VIZ_STATE):
        _drain_logs(driver)
        driver.get(f"{live_viz_url}?pid=__default__")
        nodes = _wait_until_still(driver)
        # the "new version" reminder (offline, kedro-viz cannot know) would cover a corner
        driver.execute_script(
            "for (const b of document.querySelectorAll('.update-reminder-unexpanded button'))"
            " if (b.textContent.trim() === 'Dismiss') b.click();"
        )
        time.sleep(0.5)
        save_picture(driver.get_screenshot_as_png(), "flowchart.png", artifact_dir)
    boxes = {node["name"] for node in nodes if node["type"] == "modularPipeline"}
    assert boxes == {node.namespace.split(".")[0] for node in pipeline.nodes if node.namespace}
    tasks = {node["name"] for node in nodes if node["type"] == "task"}
    assert tasks == {short_task_name(node) for node in pipeline.nodes if not node.namespace}
    assert not driver.find_elements("css selector", ".update-reminder-unexpanded")


def test_monitoring_report_picture(driver, pages, artifact_dir):
    with window(driver, 1300, 1000):
        driver.get(pages["report"])
        plots = _wait_for_plots(driver, count=3)
        for plot in plots:
            _check_labelled(plot)
            for name, axis in plot["axes"].items():
                days = [c for c in axis["categories"] if isinstance(c, str) and c[:2] == "20"]
                assert days == sorted(days), f"{plot['title']!r} {name}: days out of order"
        assert "monitoring" in driver.title
        save_picture(driver.get_screenshot_as_png(), "monitoring-report.png", artifact_dir)


@pytest.mark.parametrize("dataset", list(TRAINING_CHARTS))
def test_training_chart_picture(driver, pages, run_catalog, artifact_dir, dataset):
    from selenium.webdriver.common.by import By

    driver.get(pages[dataset])
    (plot,) = _wait_for_plots(driver)
    _check_labelled(plot)
    axes = plot["axes"]
    if dataset == "residuals_plot":
        years, platforms = axes["xaxis"]["categories"], axes["xaxis2"]["categories"]
        assert years and years == sorted(years, key=_year_key), years
        assert platforms and platforms == sorted(platforms), platforms
    elif dataset == "protocol_comparison_plot":
        scores = run_catalog.load("training_metrics")["selection"]["scores"]
        drawn = [name.removesuffix(" *") for name in axes["xaxis"]["categories"]]
        assert drawn == sorted(drawn, key=lambda name: scores[name]["score"]), drawn
    elif dataset == "feature_drivers_plot":
        (bars,) = plot["traces"]
        by_feature = dict(zip(bars["y"], bars["x"], strict=True))
        sizes = [by_feature[name] for name in axes["yaxis"]["categories"]]
        assert sizes == sorted(sizes), "the largest driver is not on top"
    shot = driver.find_element(By.CSS_SELECTOR, ".js-plotly-plot").screenshot_as_png
    save_picture(shot, TRAINING_CHARTS[dataset], artifact_dir)
