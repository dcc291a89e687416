"""Accessibility in Chromium: axe-core (the copy bundled in the PyPI package axe-playwright-python, injected
through selenium; no CDN, no npm) runs over every kind of page of the platform, on the demo data, for the
role that sees it. Any serious or critical violation fails the test, which prints each one (rule, impact,
element, what is wrong). Nothing is excluded: rules, elements and pages are all checked.
"""

import importlib.resources
import json
import pathlib
import re
import tempfile
import time
import urllib.error

import pytest
from selenium.webdriver.common.by import By

from conftest import ARTIFACTS, demo_server
from test_platform import api, errors_on_page, login, logout, submit

DEMO_PASSWORD = "kaohe-demo"
PINGQIAO = "/assessments/demo-pingqiao-2022"
SHUANGYASHAN = "/assessments/demo-shuangyashan-2017"
BLOCKING = ("serious", "critical")


def axe_source() -> str:
    try:
        path = importlib.resources.files("axe_playwright_python") / "axe.min.js"
        source = path.read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError) as error:  # a failure, not a skip
        pytest.fail(f"axe-core is not installed (pip install --no-deps axe-playwright-python): {error}")
    assert source.startswith("/*! axe v4."), source[:80]
    return source


class Audit:
    """Runs axe on the page the browser shows and keeps what it found, per page."""

    def __init__(self, driver):
        self.driver = driver
        # Pages with thousands of cells take a while on a busy machine.
        driver.set_script_timeout(300)
        self.source = axe_source()
        self.version = re.match(r"/\*! axe v([\d.]+)", self.source).group(1)
        self.pages: dict[str, list[dict]] = {}
        self.lesser: dict[str, list[dict]] = {}  # moderate and minor: reported, not failing
        self.passed_rules: set[str] = set()

    def check(self, name: str, expect_error: bool = False):
        driver = self.driver
        title = driver.title
        if not expect_error:
            assert "出错了" not in title, f"{name}: {driver.current_url} shows an error page:\n{driver.page_source[:2000]}"
        started = time.time()
        driver.execute_script(self.source)
        results = driver.execute_async_script(
            "var done = arguments[arguments.length - 1];"
            "axe.run(document, {resultTypes: ['violations', 'passes']})"
            ".then(function (r) { done(JSON.stringify({violations: r.violations,"
            " passes: r.passes.map(function (p) { return p.id; })})); })"
            ".catch(function (e) { done(JSON.stringify({error: String(e)})); });")
        results = json.loads(results)
        assert "error" not in results, f"axe failed on {name}: {results['error']}"
        self.passed_rules.update(results["passes"])
        found, lesser = [], []
        for violation in results["violations"]:
            for node in violation["nodes"]:
                (found if violation["impact"] in BLOCKING else lesser).append({
                    "id": violation["id"],
                    "impact": node.get("impact") or violation["impact"],
                    "target": " ".join(str(t) for t in node["target"]),
                    "summary": (node.get("failureSummary") or violation["help"]).replace("\n", " "),
                    "html": node.get("html", "")[:160],
                })
        self.pages[f"{name} ({driver.current_url})"] = found
        self.lesser[f"{name} ({driver.current_url})"] = lesser
        self.save()
        print(f"axe: {name}: {len(found)} serious or critical in {time.time() - started:.1f} s", flush=True)

    def visit(self, server, path: str, name: str, expect_error: bool = False):
        self.driver.get(server.base_url + path)
        self.check(name, expect_error=expect_error)

    def save(self):
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "axe-violations.json").write_text(
            json.dumps({"axe": self.version, "pages": self.pages, "moderate or minor": self.lesser},
                       ensure_ascii=False, indent=2), encoding="utf-8")

    def report(self) -> str:
        lines = []
        for page, found in self.pages.items():
            for v in found:
                lines.append(f"{page}: {v['id']} [{v['impact']}] {v['target']} — {v['summary']} — {v['html']}")
        return "\n".join(lines)


@pytest.fixture(scope="module")
def a11y_server(kaohe_bin):
    with demo_server(kaohe_bin, "a11y") as server:
        admin = re.search(r"用户名 (\S+)，密码 (\S+)", server.loaded.stdout)
        assert admin, server.loaded.stdout
        server.admin_user, server.admin_password = admin.group(1), admin.group(2)
        yield server


def organizer_token(server) -> str:
    body = json.dumps({"username": "demo-organizer", "password": DEMO_PASSWORD, "name": "a11y"}).encode()
    status, data = api(server, "POST", "/api/v1/tokens", body=body, headers={"Content-Type": "application/json"})
    assert status == 201
    return json.loads(data)["token"]


def first_link(driver, fragment: str) -> str:
    for a in driver.find_elements(By.CSS_SELECTOR, "main a[href]"):
        href = a.get_attribute("href") or ""
        if fragment in href:
            return "/" + href.split("/", 3)[3]
    raise AssertionError(f"no link containing {fragment} on {driver.current_url}:\n{driver.page_source[:2000]}")


def test_every_kind_of_page_has_no_serious_violations(a11y_server, browser):
    server, driver = a11y_server, browser
    audit = Audit(driver)

    # Anonymous: the login page and the error page.
    audit.visit(server, "/login", "login")
    audit.visit(server, "/no-such-page", "error page (anonymous)", expect_error=True)

    # The unit's reporter: dashboard, self-assessment (with an item returned), evidence uploaded and listed.
    login(driver, server, "demo-reporter", DEMO_PASSWORD)
    audit.check("dashboard (reporter)")
    self_path = first_link(driver, "/self")
    unit_path = self_path.rsplit("/self", 1)[0]
    audit.visit(server, self_path, "self-assessment")
    section = driver.find_element(By.ID, "item-2.1")
    file_input = section.find_element(By.CSS_SELECTOR, "input[type=file]")
    evidence = pathlib.Path(tempfile.mkdtemp()) / "覆盖率统计表.pdf"
    evidence.write_bytes(b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
    file_input.send_keys(str(evidence))
    submit(driver, file_input.find_element(By.XPATH, "./ancestor::form"))
    audit.visit(server, self_path, "self-assessment with evidence")
    assert evidence.name in driver.find_element(By.ID, "item-2.1").text, errors_on_page(driver)
    audit.visit(server, f"{unit_path}/evidence", "evidence list (reporter)")
    logout(driver)

    # The evaluator: dashboard and the review of the reporter's unit.
    login(driver, server, "demo-evaluator", DEMO_PASSWORD)
    audit.check("dashboard (evaluator)")
    audit.visit(server, f"{unit_path}/review", "review")
    logout(driver)

    # The organizer: everything about assessments.
    login(driver, server, "demo-organizer", DEMO_PASSWORD)
    audit.check("dashboard (organizer)")
    for path, name in (
        ("/organizations", "organizations"),
        ("/units", "units"),
        ("/units/import", "unit import"),
        ("/schemes", "schemes"),
        ("/schemes/pingqiao-2022", "a scheme's score sheet"),
        ("/assessments", "assessments"),
        (PINGQIAO, "an assessment (scoring)"),
        (f"{PINGQIAO}/facts", "facts import"),
        (unit_path, "scoring page"),
        (f"{PINGQIAO}/results", "results"),
        (f"{unit_path}/sheet", "a unit's score sheet"),
        (f"{unit_path}/audit", "unit audit"),
        (f"{unit_path}/evidence", "evidence list (organizer)"),
        (f"{unit_path}/review", "review (organizer)"),
        (f"{PINGQIAO}/submissions", "submissions"),
        (f"{PINGQIAO}/spot-checks", "spot checks"),
        (f"{PINGQIAO}/ledger", "rectification ledger"),
        (f"{PINGQIAO}/ledger?overdue=1", "rectification ledger (overdue)"),
        (SHUANGYASHAN, "an assessment (publicity)"),
        (f"{SHUANGYASHAN}/results", "results (publicity)"),
        (f"{SHUANGYASHAN}/objections", "objections"),
        ("/audit", "audit log"),
        ("/account/password", "password"),
    ):
        audit.visit(server, path, name)
    audit.visit(server, f"{PINGQIAO}/spot-checks", "spot checks")
    audit.visit(server, first_link(driver, "/spot-checks/"), "a drawn spot-check plan")
    audit.visit(server, first_link(driver, "/notice"), "spot-check result notice")
    audit.visit(server, f"{PINGQIAO}/ledger?state=awaiting_verification", "ledger (awaiting verification)")
    audit.visit(server, first_link(driver, "/ledger/"), "a rectification item with its forms")
    # A second published version, so that two versions can be compared: the organizer corrects the facts of
    # the item objected to (through the API) and upholds the objection, which publishes the correction.
    audit.visit(server, f"{SHUANGYASHAN}/publications", "publications (an objection open)")
    scoring = first_link(driver, f"{SHUANGYASHAN}/units/")
    token = organizer_token(server)
    facts_path = f"/api/v1{SHUANGYASHAN}/units/{scoring.rsplit('/', 1)[1]}/facts/1.1"
    try:
        _, data = api(server, "GET", facts_path, token)
        record = json.loads(data)
        facts, version = record["facts"], record["version"]
    except urllib.error.HTTPError as error:
        assert error.code == 404, error
        facts, version = {}, 0
    corrected = {"has_agency": True, "has_staff": True, "has_mechanism": not facts.get("has_mechanism", True)}
    status, _ = api(server, "PUT", facts_path + "?reason=%E5%BC%82%E8%AE%AE%E6%9B%B4%E6%AD%A3", token,
                    json.dumps(corrected).encode(), {"Content-Type": "application/json", "If-Match": f'"{version}"'})
    assert status == 200
    driver.get(server.base_url + f"{SHUANGYASHAN}/publications")
    form = next(f for f in driver.find_elements(By.CSS_SELECTOR, "main form")
                if "/objections/" in (f.get_attribute("action") or ""))
    form.find_element(By.NAME, "answer").send_keys("经核实，异议成立，已更正。")
    submit(driver, form, "异议成立")
    assert not errors_on_page(driver), errors_on_page(driver)
    assert "第2版" in driver.page_source, driver.page_source[:3000]
    audit.visit(server, f"{SHUANGYASHAN}/publications", "publications (two versions)")
    audit.visit(server, f"{SHUANGYASHAN}/publications/compare?a=1&b=2", "comparison of versions")
    audit.visit(server, "/no-such-page", "error page (logged in)", expect_error=True)
    driver.get(server.base_url + "/dashboard")
    logout(driver)

    # The leader's read-only view, and the administrator's users page.
    login(driver, server, "demo-leader", DEMO_PASSWORD)
    audit.check("dashboard (leader)")
    audit.visit(server, f"{PINGQIAO}/results", "results (leader)")
    logout(driver)
    login(driver, server, server.admin_user, server.admin_password)
    audit.check("dashboard (administrator)")
    audit.visit(server, "/users", "users")
    audit.visit(server, "/audit", "audit log (administrator)")
    logout(driver)

    # axe really ran its rules (a positive control): the ones every page must pass.
    for rule in ("document-title", "html-has-lang", "color-contrast", "label", "empty-table-header"):
        assert rule in audit.passed_rules, f"axe {audit.version} never checked {rule}"
    assert len(audit.pages) >= 35, list(audit.pages)
    report = audit.report()
    print(f"axe-core {audit.version}: {len(audit.pages)} pages checked")
    for page, found in audit.lesser.items():
        for v in found:
            print(f"axe (moderate or minor, not failing): {page}: {v['id']} [{v['impact']}] {v['target']} — {v['summary']}")
    assert not report, f"serious or critical accessibility violations (axe-core {audit.version}):\n{report}"
