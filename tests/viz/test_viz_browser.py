"""`kedro viz build` of a finished demo run, opened in real headless Chromium.

The expected flowchart of every pipeline is derived from the project's own
pipeline registry, so each pipeline (data_engineering, training, simulation,
scoring, monitoring, __default__ and whatever comes next) is checked by name.
Screenshots and browser logs go to ``test-artifacts/viz/``.
"""

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest

from tests.viz.registry import drawn_names

RENDER_TIMEOUT = 45
# SEVERE console entries that are expected of a static, offline `kedro viz build`:
BENIGN_SEVERE = [
    # index.html links the Google Fonts "Inter" stylesheet; offline (and with the
    # host-resolver rule) it cannot load and the UI falls back to a local font.
    re.compile(r"^https://fonts\.googleapis\.com/\S+ - Failed to load resource: net::ERR_"),
    # The page asks api/metadata (package-compatibility check of the "publish and
    # share" dialog); only the live `kedro viz run` server has it.
    re.compile(
        r"/api/metadata - Failed to load resource: the server responded with a status of 404"
    ),
    re.compile(r'"metadata fetch error: " SyntaxError: Unexpected token'),
]
ALLOWED_EXTERNAL_HOSTS = {"fonts.googleapis.com", "fonts.gstatic.com"}
# Where each kind of preview appears in the side panel.
PREVIEW_SELECTORS = {
    "PlotlyPreview": ".pipeline-metadata .js-plotly-plot .main-svg",
    "JSONPreview": ".pipeline-metadata .pipeline-metadata__preview-json .react-json-view",
    "TablePreview": ".pipeline-metadata .preview-table .preview-table__row",
}

_NODES_JS = """
return Array.from(document.querySelectorAll('g.pipeline-node')).map(g => ({
  id: g.getAttribute('data-id'), type: g.getAttribute('data-node-type'),
  name: (g.querySelector('.pipeline-node__text') || g).textContent.trim(),
  opacity: g.getAttribute('opacity')}));
"""


# --------------------------------------------------------------------------- helpers
def _api_pipeline(viz_build: Path, pipeline_id: str) -> dict:
    """What the page loads when it shows ``pipeline_id``."""
    return json.loads((viz_build / "api" / "pipelines" / pipeline_id).read_text())


def _api_nodes(viz_build: Path, pipeline_id: str) -> list[dict]:
    nodes = _api_pipeline(viz_build, pipeline_id)["nodes"]
    return [node for node in nodes if node["type"] in ("task", "data")]


def _wait_for_flowchart(driver: Any, expected: set[str], artifact_dir: Path) -> list[dict]:
    """Wait until the drawn labels are exactly ``expected`` and fully faded in.

    Exact equality matters: after a pipeline switch the old nodes stay in the DOM
    for about a second while they fade out.
    """
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    last: dict[str, list[dict]] = {}

    def ready(browser: Any) -> list[dict] | bool:
        nodes = browser.execute_script(_NODES_JS)
        last["nodes"] = nodes
        names = {node["name"] for node in nodes}
        faded_in = all(node["opacity"] in (None, "1") for node in nodes)
        return nodes if names == expected and faded_in else False

    try:
        return WebDriverWait(driver, RENDER_TIMEOUT, poll_frequency=0.2).until(ready)
    except TimeoutException:
        drawn = {node["name"] for node in last.get("nodes", [])}
        shot = artifact_dir / f"FAILED-{int(time.time() * 1000)}.png"
        driver.save_screenshot(str(shot))
        raise AssertionError(
            f"flowchart never matched the registry: missing {sorted(expected - drawn)}, "
            f"unexpected {sorted(drawn - expected)}; url={driver.current_url}; screenshot={shot}"
        ) from None


def _drain_logs(driver: Any) -> tuple[list[dict], list[str]]:
    """Console entries and requested URLs since the previous call."""
    console = driver.get_log("browser")
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return console, urls


def _check_console_and_network(driver: Any, log_file: Path) -> None:
    console, urls = _drain_logs(driver)
    log_file.write_text(json.dumps({"console": console, "requests": urls}, indent=2))
    severe = [entry["message"] for entry in console if entry["level"] == "SEVERE"]
    unexpected = [text for text in severe if not any(p.search(text) for p in BENIGN_SEVERE)]
    assert not unexpected, f"unexpected SEVERE console errors: {unexpected}"
    hosts = {
        re.match(r"https?://([^/:]+)", url).group(1)
        for url in urls
        if url.startswith(("http://", "https://"))
    }
    assert hosts - {"127.0.0.1"} <= ALLOWED_EXTERNAL_HOSTS, f"page tried to reach {hosts}"


def _open(driver: Any, base_url: str, pipeline_id: str) -> None:
    _drain_logs(driver)  # discard what earlier tests left
    driver.get(f"{base_url}?pid={pipeline_id}&expandAllPipelines=true")


# --------------------------------------------------------------------------- the build
def test_build_lists_every_registered_pipeline(api_main, viz_pipelines):
    assert {pipeline["id"] for pipeline in api_main["pipelines"]} == set(viz_pipelines)


def test_build_matches_the_registry(viz_build, viz_pipelines, pipeline_id):
    drawn = {node["name"] for node in _api_nodes(viz_build, pipeline_id)}
    assert drawn == drawn_names(viz_pipelines[pipeline_id])


def test_build_has_layers(viz_build, pipeline_id):
    """kedro-viz drops the layer bands when the layers form a cycle."""
    layers = _api_pipeline(viz_build, pipeline_id)["layers"]
    assert layers, f"{pipeline_id}: no layer bands (a cycle among the catalog's layers?)"


def test_build_previews_every_dataset_that_exists(viz_build, api_main, demo_run_project):
    """Each dataset with a preview and a file from the demo run has its preview in the build."""
    from kedro.framework.session import KedroSession

    with KedroSession.create(project_path=demo_run_project) as session:
        catalog = session.load_context().catalog
    missing = []
    for node in api_main["nodes"]:
        if node["type"] != "data" or node["name"] not in catalog:
            continue
        dataset = catalog.get(node["name"])
        if not hasattr(dataset, "preview") or not catalog.exists(node["name"]):
            continue
        metadata = json.loads((viz_build / "api" / "nodes" / node["id"]).read_text())
        if not metadata.get("preview"):
            missing.append(f"{node['name']} ({type(dataset).__name__})")
    assert not missing, f"no kedro-viz preview for: {missing} (see kedro-viz-build.log)"


# --------------------------------------------------------------------------- in the browser
@pytest.mark.browser
def test_flowchart_draws_every_node_of_the_pipeline(
    driver, base_url, api_main, viz_pipelines, artifact_dir, pipeline_id
):
    from selenium.webdriver.common.by import By

    _open(driver, base_url, pipeline_id)
    expected = drawn_names(viz_pipelines[pipeline_id])
    nodes = _wait_for_flowchart(driver, expected, artifact_dir)

    tasks = {node.name.rsplit(".", 1)[-1] for node in viz_pipelines[pipeline_id].nodes}
    assert {node["name"] for node in nodes if node["type"] == "task"} == tasks
    assert not [node for node in nodes if node["type"] == "modularPipeline"]  # all expanded
    selector = '[data-test="kedro-pipeline-selector"] .dropdown__label span'
    assert driver.find_element(By.CSS_SELECTOR, selector).text == pipeline_id
    time.sleep(0.5)  # let edges and zoom settle for a clean screenshot
    driver.save_screenshot(str(artifact_dir / f"flowchart-{pipeline_id}.png"))
    _check_console_and_network(driver, artifact_dir / f"browser-log-{pipeline_id}.json")


def _previewed_datasets(viz_build: Path, api_main: dict) -> dict[str, list[dict]]:
    """Datasets of the build with a preview, grouped by preview type."""
    kinds: dict[str, list[dict]] = {}
    for node in api_main["nodes"]:
        if node["type"] != "data":
            continue
        metadata = json.loads((viz_build / "api" / "nodes" / node["id"]).read_text())
        if metadata.get("preview") and metadata.get("preview_type") in PREVIEW_SELECTORS:
            kinds.setdefault(metadata["preview_type"], []).append(node)
    return kinds


@pytest.mark.browser
def test_side_panel_previews_charts_metrics_and_tables(
    driver, base_url, viz_build, api_main, artifact_dir
):
    """A plotly chart, a JSON metrics file and a table each preview on click.

    One of each kind (the first by name): that every such dataset *has* its
    preview is checked in the build by test_build_previews_every_dataset_that_exists.
    """
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    kinds = _previewed_datasets(viz_build, api_main)
    assert {"PlotlyPreview", "JSONPreview", "TablePreview"} <= set(kinds), sorted(kinds)
    to_click = [min(kinds[kind], key=lambda node: node["name"]) for kind in PREVIEW_SELECTORS]

    _open(driver, base_url, "__default__")
    WebDriverWait(driver, RENDER_TIMEOUT).until(
        lambda d: len(d.execute_script(_NODES_JS)) >= len(_api_nodes(viz_build, "__default__"))
    )
    failures, screenshot_taken = [], set()
    for node in to_click:
        kind = next(k for k, nodes in kinds.items() if node in nodes)
        driver.execute_script(
            "document.querySelector(`g.pipeline-node[data-id='${arguments[0]}']`)"
            ".dispatchEvent(new MouseEvent('click', {bubbles: true}))",
            node["id"],
        )

        def shown(browser: Any, name: str = node["name"], kind: str = kind) -> bool:
            return browser.execute_script(
                "const t = document.querySelector('.pipeline-metadata__title');"
                "return !!t && t.textContent.trim() === arguments[0]"
                " && !!document.querySelector(arguments[1]);",
                name,
                PREVIEW_SELECTORS[kind],
            )

        try:
            WebDriverWait(driver, 15, poll_frequency=0.2).until(shown)
        except TimeoutException:  # collect every failure, report them together
            failures.append(f"{node['name']} ({kind})")
            driver.save_screenshot(str(artifact_dir / f"FAILED-preview-{node['name']}.png"))
            continue
        if kind not in screenshot_taken:  # one screenshot per kind of preview
            screenshot_taken.add(kind)
            driver.save_screenshot(str(artifact_dir / f"preview-{kind}-{node['name']}.png"))
    assert not failures, f"no side-panel preview for {failures}"
    _check_console_and_network(driver, artifact_dir / "browser-log-previews.json")


# --------------------------------------------------------------------------- kedro viz run
def test_live_server_serves_every_registered_pipeline(live_viz_url, viz_pipelines):
    import urllib.request

    with urllib.request.urlopen(live_viz_url + "api/main", timeout=30) as response:
        api = json.load(response)
    assert {pipeline["id"] for pipeline in api["pipelines"]} == set(viz_pipelines)
    with urllib.request.urlopen(live_viz_url + "api/pipelines/training", timeout=30) as response:
        drawn = {n["name"] for n in json.load(response)["nodes"] if n["type"] in ("task", "data")}
    assert drawn == drawn_names(viz_pipelines["training"])


@pytest.mark.browser
def test_live_server_draws_the_default_pipeline(driver, live_viz_url, viz_pipelines, artifact_dir):
    _open(driver, live_viz_url, "__default__")
    _wait_for_flowchart(driver, drawn_names(viz_pipelines["__default__"]), artifact_dir)
    time.sleep(0.5)
    driver.save_screenshot(str(artifact_dir / "live-flowchart-__default__.png"))
    _check_console_and_network(driver, artifact_dir / "browser-log-live.json")
