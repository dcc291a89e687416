"""Fixtures for the browser tests: the built `kaohe` binary serving a fresh data directory on a free
loopback port, and a headless Chromium driven by selenium (Debian's chromium + chromium-driver).

Nothing here skips: a missing binary, browser or driver is a failure, so a green run means the test ran.
"""

import os
import pathlib
import contextlib
import queue
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A running `kaohe serve`; `output` collects what it printed."""

    def __init__(self, binary: str, data_dir: str, port: int, env: dict | None = None):
        self.binary = binary
        self.data_dir = data_dir
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        self.output: list[str] = []
        self.admin_user = None
        self.admin_password = None
        self.process = subprocess.Popen(
            [binary, "serve", "--host", "127.0.0.1", "--port", str(port), "--data-dir", data_dir],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1, env=env)
        self.lines: "queue.Queue[str]" = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self):
        for line in self.process.stdout:
            self.output.append(line)
            self.lines.put(line)

    def wait_started(self, timeout: float = 60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                if self.process.poll() is not None:
                    raise AssertionError("kaohe serve exited early:\n" + "".join(self.output))
                continue
            if m := re.search(r"用户名：(\S+)", line):
                self.admin_user = m.group(1)
            if m := re.search(r"密码：(\S+)", line):
                self.admin_password = m.group(1)
            if "按 Ctrl+C 停止" in line:
                return
        raise AssertionError("kaohe serve did not start in time:\n" + "".join(self.output))

    def run(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        """Runs another kaohe command (same binary)."""
        return subprocess.run([self.binary, *args], input=stdin, capture_output=True, text=True, timeout=120)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()


@contextlib.contextmanager
def demo_server(kaohe_bin: str, name: str):
    """A server on a new data directory with `kaohe demo` loaded (its output as `loaded` on the server); stopped
    afterwards, its output kept as test-artifacts/<name>-server-output.txt."""
    data_dir = tempfile.mkdtemp(prefix=f"kaohe-{name}-browser-")
    loaded = subprocess.run([kaohe_bin, "demo", "--data-dir", data_dir], capture_output=True, text=True, timeout=300)
    assert loaded.returncode == 0, loaded.stderr
    server = Server(kaohe_bin, data_dir, free_port())
    server.loaded = loaded
    try:
        server.wait_started()
        yield server
    finally:
        server.stop()
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / f"{name}-server-output.txt").write_text("".join(server.output), encoding="utf-8")


@pytest.fixture(scope="session")
def kaohe_bin() -> str:
    binary = os.environ.get("KAOHE_BIN") or str(ROOT / ".build/debug/kaohe")
    if not os.access(binary, os.X_OK):
        pytest.fail(f"kaohe binary not found at {binary}; build it and set KAOHE_BIN")
    return binary


@pytest.fixture(scope="session")
def server(kaohe_bin):
    data_dir = tempfile.mkdtemp(prefix="kaohe-browser-")
    server = Server(kaohe_bin, data_dir, free_port())
    try:
        server.wait_started()
        assert server.admin_user == "admin" and server.admin_password, "".join(server.output)
        yield server
    finally:
        server.stop()
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "server-output.txt").write_text("".join(server.output), encoding="utf-8")
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def downloads() -> pathlib.Path:
    path = pathlib.Path(tempfile.mkdtemp(prefix="kaohe-downloads-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def browser(downloads):
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError as error:  # a failure, not a skip
        pytest.fail(f"selenium is not installed: {error}")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    if not chromium or not os.access(driver_path, os.X_OK):
        pytest.fail("chromium and chromium-driver are required (apt-get install chromium chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1366,1000",
                     "--lang=zh-CN", "--disable-gpu"):
        options.add_argument(argument)
    options.add_experimental_option("prefs", {
        "download.default_directory": str(downloads),
        "download.prompt_for_download": False,
        "intl.accept_languages": "zh-CN,zh",
    })
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.implicitly_wait(0)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
