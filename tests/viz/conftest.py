"""Fixtures of the kedro-viz tests: a static build of a finished demo run, served on
127.0.0.1, and a hermetic headless Chromium (Debian ``chromium`` + ``chromium-driver``,
installed by ``make browser-deps``).

The browser and the ``kedro viz run`` server are package fixtures: they stop
when the worker leaves ``tests/viz``. As session fixtures they outlived the
browser tests, and the idle kedro-viz page kept Chromium's renderer at ~13 %
of a core for the rest of the run (~60 s of CPU over a ``make test``)."""

import contextlib
import functools
import http.server
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PROJECT_ROOT, kedro_child_env
from tests.viz.doc_images import writing_doc_images
from tests.viz.registry import registered_pipelines

ARTIFACT_DIR = PROJECT_ROOT / "test-artifacts" / "viz"
CHROME_BIN = os.environ.get("CHROME_BIN", "/usr/lib/chromium/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
VIEWPORT = (1600, 1000)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """``pipeline_id``: every pipeline the project registers, read from its own registry."""
    if "pipeline_id" in metafunc.fixturenames:
        metafunc.parametrize("pipeline_id", sorted(registered_pipelines(PROJECT_ROOT)))


@pytest.fixture(scope="session")
def artifact_dir() -> Path:
    ARTIFACT_DIR.mkdir(parents=True, exist_ok=True)
    return ARTIFACT_DIR


@pytest.fixture(scope="session")
def viz_pipelines(demo_run_project: Path) -> dict[str, Any]:
    return registered_pipelines(demo_run_project)


@pytest.fixture(scope="session")
def viz_build(demo_run_project: Path, artifact_dir: Path) -> Path:
    """``kedro viz build --include-previews`` of the finished demo run: the site folder."""
    build_dir = demo_run_project / "build"
    shutil.rmtree(build_dir, ignore_errors=True)  # the build never deletes stale files
    env = kedro_child_env()
    proc = subprocess.run(
        [sys.executable, "-m", "kedro", "viz", "build", "--include-previews"],
        cwd=demo_run_project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    log = proc.stdout + proc.stderr
    (artifact_dir / "kedro-viz-build.log").write_text(log)
    # kedro-viz exits 0 even when it could not write the site: read its log too.
    errors = [line for line in log.splitlines() if "ERROR" in line]
    assert proc.returncode == 0 and not errors, f"kedro viz build failed: {errors or log[-3000:]}"
    assert (build_dir / "index.html").is_file()
    return build_dir


@pytest.fixture(scope="session")
def api_main(viz_build: Path) -> dict[str, Any]:
    return json.loads((viz_build / "api" / "main").read_text())


@contextlib.contextmanager
def serve_folder(folder: Path) -> Iterator[str]:
    """``folder`` over HTTP on a free port of 127.0.0.1: its URL."""

    class QuietHandler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    handler = functools.partial(QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="package")
def base_url(viz_build: Path) -> Iterator[str]:
    """The static site on a free port of 127.0.0.1."""
    with serve_folder(viz_build) as url:
        yield url


@pytest.fixture(scope="package")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Headless Chromium that can reach nothing but 127.0.0.1."""
    missing = [path for path in (CHROME_BIN, CHROMEDRIVER) if not os.path.exists(path)]
    if missing:
        message = f"{missing} missing: run `make browser-deps` (Debian chromium + chromium-driver)"
        if os.environ.get("CI") or writing_doc_images():  # `make doc-images` must draw
            pytest.fail(message)
        pytest.skip(message)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROME_BIN
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--no-proxy-server",  # ignore http(s)_proxy of the environment
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",  # offline by design
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
        f"--window-size={VIEWPORT[0]},{VIEWPORT[1]}",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    browser = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": VIEWPORT[0], "height": VIEWPORT[1], "deviceScaleFactor": 1, "mobile": False},
    )
    # Every page load starts from empty kedro-viz state: the stored active pipeline
    # would otherwise race with (and override) the ?pid= we open, and the
    # onboarding "feature hints" popover would cover the flowchart.
    browser.execute_cdp_cmd(
        "Page.addScriptToEvaluateOnNewDocument",
        {
            "source": "try{localStorage.clear();localStorage.setItem('KedroViz',"
            "JSON.stringify({showFeatureHints:false}));}catch(e){}"
        },
    )
    yield browser
    browser.quit()


def _free_port_below_49152() -> int:
    """A free port kedro-viz accepts: it refuses ports above 49151 (the ephemeral
    range), which is where the OS puts ``bind(0)`` ports on Linux."""
    for port in random.Random().sample(range(20000, 49000), 200):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free TCP port between 20000 and 49000")


@pytest.fixture(scope="package")
def live_viz_url(demo_run_project: Path, artifact_dir: Path) -> Iterator[str]:
    """``kedro viz run`` (the interactive server) on a free port of 127.0.0.1."""
    import signal
    import time
    import urllib.request

    port = _free_port_below_49152()
    address = ["--host", "127.0.0.1", "--port", str(port)]
    log_path = artifact_dir / "kedro-viz-run.log"
    env = kedro_child_env()
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "kedro", "viz", "run", "--no-browser", *address],
            cwd=demo_run_project,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped as one below
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(url + "api/main", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"kedro viz run did not serve {url}: {log_path.read_text()[-3000:]}")
            time.sleep(0.5)
        yield url
    finally:
        if server.poll() is None:  # it may have died already (the failure above says why)
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
