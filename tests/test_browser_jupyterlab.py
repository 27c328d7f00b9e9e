"""The example notebook in a real JupyterLab (loopback, a free port) opened in Chromium: the player works."""

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import browser
import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).parents[1]
TOKEN = "cnnviz-test-token"
PLAYER = '.jp-OutputArea [data-testid="cnnviz-player"]'


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    why = browser.missing()
    if why:
        if os.environ.get("CNNVIZ_REQUIRE_BROWSER") == "1":
            pytest.fail(f"CNNVIZ_REQUIRE_BROWSER=1 but {why}")
        pytest.skip(why)
    work = tmp_path_factory.mktemp("lab")
    shutil.copy(ROOT / "examples" / "in-your-notebook.ipynb", work)
    port = browser.free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),  # the kernel imports this checkout
        "JUPYTER_CONFIG_DIR": str(work / ".config"),  # nothing written to the user's own settings
        "JUPYTERLAB_WORKSPACES_DIR": str(work / ".workspaces"),
        "JUPYTER_RUNTIME_DIR": str(work / ".runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(work / ".settings"),
    }
    # JupyterLab 4 draws only the cells in view ("full" windowing): render them all, so every player mounts
    tracker = work / ".settings" / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
    tracker.parent.mkdir(parents=True)
    tracker.write_text('{"windowingMode": "none"}')
    cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ServerApp.ip=127.0.0.1", f"--port={port}"]
    cmd += [f"--ServerApp.token={TOKEN}", f"--ServerApp.root_dir={work}", "--LabApp.expose_app_in_browser=True"]
    cmd += ["--LabApp.extension_manager=readonly"]  # no extension catalogue from the network
    cmd += ["--allow-root"] if os.geteuid() == 0 else []  # CI containers run as root
    log = open(work / "lab.log", "wb")  # noqa: SIM115 -- the server writes to it until it stops
    proc = subprocess.Popen(cmd, cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=2):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"jupyter lab did not start: {(work / 'lab.log').read_text()[-2000:]}") from None
                time.sleep(0.3)
        yield url, work
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


KERNEL_JS = """async (code) => {
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  const future = kernel.requestExecute({ code });
  let out = "";
  future.onIOPub = (msg) => {
    if (msg.header.msg_type === "stream") out += msg.content.text;
    if (msg.header.msg_type === "error") out += "ERROR " + msg.content.ename + ": " + msg.content.evalue;
  };
  await future.done;
  return out;
}"""


def run_in_kernel(page, code: str) -> str:
    """Run `code` in the notebook's kernel (as a cell would, without one); its printed text."""
    out = page.evaluate(KERNEL_JS, code)
    assert "ERROR" not in out, out
    return out


def test_the_notebook_runs_and_its_players_step_and_light_windows(lab):
    url, work = lab
    with browser.chromium() as chrome:
        page = chrome.new_page(viewport={"width": 1280, "height": 900})
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{url}/lab/tree/in-your-notebook.ipynb?token={TOKEN}")
        page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget", timeout=180000)
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=180000)
        page.wait_for_function(
            "() => window.jupyterapp.shell.currentWidget.sessionContext.session?.kernel?.status === 'idle'",
            timeout=180000,
        )
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        # an output area may be attached after the widget mounts: the player draws when it gets a size
        page.wait_for_function(
            f"() => document.querySelector('{PLAYER}')?.querySelector('[data-cell]')", timeout=180000
        )
        player = page.locator(PLAYER).first
        player.scroll_into_view_if_needed()
        assert player.get_attribute("data-step") == "0", errors
        player.locator(".counter").click()  # focus the player, not the notebook
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        assert player.get_attribute("data-step") == "2", "ArrowRight steps the player"
        cell = player.locator('[data-cell="X_pad:3,3"]')
        assert player.locator('[data-role="hover"], [data-role="hover_cell"]').count() == 0
        cell.hover()
        assert player.locator('[data-role="hover_cell"]').count() >= 1, "hover lights the cell"
        assert player.locator('[data-role="hover"]').count() >= 1, "and the window it came from"
        page.wait_for_function(f"() => document.querySelectorAll('{PLAYER}').length >= 6", timeout=180000)
        # the `step` trait, both ways: the save_html cell's player is the sixth
        synced = page.locator(PLAYER).nth(5)
        run_in_kernel(page, "player.step = 3")
        page.wait_for_function(
            f"() => document.querySelectorAll('{PLAYER}')[5].getAttribute('data-step') === '3'", timeout=10000
        )
        synced.scroll_into_view_if_needed()
        synced.locator(".counter").click()
        page.keyboard.press("ArrowRight")
        assert synced.get_attribute("data-step") == "4"
        page.wait_for_timeout(1500)  # the player reports when the user stops stepping (1 s)
        assert run_in_kernel(page, "print(player.step)").strip() == "4"
        os.makedirs("/tmp/shots-21", exist_ok=True)
        page.screenshot(path="/tmp/shots-21/jupyterlab.png")
        assert not errors, errors
