"""Notification e-mail end to end: `kaohe serve` with a local SMTP server (aiosmtpd) on 127.0.0.1.

An evaluator returns an item through the web pages; the reporter (e-mail: immediate) gets the mail with the
right recipient, subject and link. Then the SMTP server is stopped, another item is returned: nothing arrives,
the mail is kept and retried, and the administrators' outbox page shows it with its error; the SMTP server
comes back on the same port, the administrator presses 全部立即重试, and the mail arrives exactly once.
"""

import email
import email.header
import email.policy
import http.cookiejar
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "browser"))
from conftest import ARTIFACTS, Server, free_port  # noqa: E402

from aiosmtpd.controller import Controller  # noqa: E402

DEMO_PASSWORD = "kaohe-demo"
ADMIN_PASSWORD = "Mail-admin-2026!"
ASSESSMENT = "demo-pingqiao-2022"


class Inbox:
    """Collects what the SMTP server receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content))
        return "250 OK"


def start_smtp(handler, port):
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    return controller


class Session:
    """A logged-in browser without a browser: cookies, the current CSRF token, form posts."""

    def __init__(self, base_url):
        self.base_url = base_url
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.csrf = ""

    def get(self, path):
        with self.opener.open(self.base_url + path, timeout=30) as response:
            text = response.read().decode("utf-8")
        if m := re.search(r'name="_csrf" value="([^"]+)"', text):
            self.csrf = m.group(1)
        return text

    def post(self, path, fields):
        body = urllib.parse.urlencode([("_csrf", self.csrf), *fields]).encode()
        request = urllib.request.Request(self.base_url + path, data=body, method="POST")
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
        with self.opener.open(request, timeout=30) as response:
            return response.status, response.read().decode("utf-8")

    def login(self, username, password=DEMO_PASSWORD):
        self.get("/login")
        self.post("/login", [("username", username), ("password", password)])
        self.get("/dashboard")


def subject_of(raw: bytes) -> str:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    return str(message["Subject"])


def body_of(raw: bytes) -> str:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    return message.get_content()


def wait_for(predicate, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_mail_arrives_and_survives_smtp_outage():
    binary = os.environ.get("KAOHE_BIN") or str(pathlib.Path(__file__).resolve().parents[2] / ".build/debug/kaohe")
    assert os.access(binary, os.X_OK), f"kaohe binary not found at {binary}"
    data_dir = tempfile.mkdtemp(prefix="kaohe-mail-")
    loaded = subprocess.run([binary, "demo", "--data-dir", data_dir], capture_output=True, text=True, timeout=600)
    assert loaded.returncode == 0, loaded.stderr
    added = subprocess.run([binary, "user", "add", "mail-admin", "--role", "admin", "--data-dir", data_dir,
                            "--password-stdin"], input=ADMIN_PASSWORD + "\n", capture_output=True, text=True,
                           timeout=120)
    assert added.returncode == 0, added.stderr
    smtp_port = free_port()
    received = Inbox()
    smtp = start_smtp(received, smtp_port)
    port = free_port()
    env = dict(os.environ, KAOHE_SMTP_URL=f"smtp://127.0.0.1:{smtp_port}", KAOHE_OUTBOX_INTERVAL="0.3",
               KAOHE_MAIL_FROM="kaohe@example.cn")
    server = Server(binary, data_dir, port, env=env)
    smtp_running = True
    try:
        server.wait_started()
        reporter = Session(server.base_url)
        reporter.login("demo-reporter")
        dashboard = reporter.get("/dashboard")
        unit = re.search(rf"/assessments/{ASSESSMENT}/units/([^/\"]+)/self", dashboard).group(1)
        # The demo's own notifications (a returned item, rectification due/overdue) are in the inbox.
        inbox = reporter.get("/inbox")
        assert "退回补正" in inbox and "整改" in inbox
        status, _ = reporter.post("/account/mail", [("email", "tianbao@example.cn"), ("mode", "immediate")])
        assert status == 200  # after the redirect
        evaluator = Session(server.base_url)
        evaluator.login("demo-evaluator")

        def return_item(item, reason):
            status, text = evaluator.post(
                f"/assessments/{ASSESSMENT}/units/{unit}/review/{item}", [("decision", "return"), ("text", reason)])
            assert status == 200, text[:500]

        return_item("1.1", "请补充领导小组成立文件")
        wait_for(lambda: len(received.messages) == 1, 30, "the first mail")
        recipients, raw = received.messages[0]
        assert recipients == ["tianbao@example.cn"]
        assert "1.1" in subject_of(raw) and "退回补正" in subject_of(raw)
        assert f"{server.base_url}/assessments/{ASSESSMENT}/units/{unit}/self" in body_of(raw)
        assert "请补充领导小组成立文件" in body_of(raw)

        # The SMTP server goes down: the next mail is kept, not lost.
        smtp.stop()
        smtp_running = False
        return_item("1.2", "请补充实施方案")
        wait_for(lambda: any("邮件发送失败" in line for line in server.output), 30, "a failed attempt in the log")
        assert len(received.messages) == 1
        # The administrator sees it failing, with the error, on the outbox page.
        admin = Session(server.base_url)
        admin.login("mail-admin", ADMIN_PASSWORD)
        outbox = admin.get("/admin/mail")
        assert f"127.0.0.1:{smtp_port}" in outbox and "tianbao@example.cn" in outbox, outbox[:2000]
        assert re.search(r"<b>1</b>发送失败", outbox), outbox[:2000]
        assert "1.2" in outbox and "立即重试" in outbox
        # Back on the same port; retried now instead of after its backoff: it arrives, exactly once.
        smtp = start_smtp(received, smtp_port)
        smtp_running = True
        status, text = admin.post("/admin/mail/retry", [])
        assert status == 200 and ("已安排立即重试" in text or "没有可立即重试" in text), text[:1000]
        wait_for(lambda: len(received.messages) == 2, 90, "the kept mail after the SMTP server came back")
        wait_for(lambda: "没有待发送的邮件" in admin.get("/admin/mail"), 30, "the outbox page to show it sent")
        time.sleep(3)
        assert len(received.messages) == 2
        assert "1.2" in subject_of(received.messages[1][1])
    finally:
        if smtp_running:
            smtp.stop()
        server.stop()
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "mail-server-output.txt").write_text("".join(server.output), encoding="utf-8")
