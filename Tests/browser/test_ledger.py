"""A problem followed from a random check to 已销号 in Chromium: the organizer publishes a spot-check plan (with
the seed's SHA-256) and draws it (the seed is revealed); the inspector records a problem and opens a
rectification item from it; the unit's reporter answers with evidence; the evaluator verifies it; the ledger
is exported as XLSX. Set-up goes through the JSON API. Screenshots go to test-artifacts/ledger-*.png.
"""

import hashlib
import json
import pathlib
import re
import tempfile
import time

from selenium.webdriver.common.by import By

from test_platform import PASSWORD, api, errors_on_page, fill, form_for, go, login, logout, shot, submit
from test_unit_path import admin_token, post_json


def set_up(server) -> tuple[str, str]:
    token = admin_token(server)
    org = post_json(server, token, "/api/v1/organizations", {"name": "平桥区整改台账测试考核办"})
    units = [post_json(server, token, "/api/v1/units",
                       {"organizationID": org["id"], "code": code, "name": name, "type": "district_department"})
             for code, name in (("L01", "区台账测试一局"), ("L02", "区台账测试二局"))]
    for username, role, unit_id in (("rep-l", "reporter", units[0]["id"]), ("eva-l", "evaluator", None),
                                    ("org-l", "organizer", None)):
        payload = {"username": username, "displayName": f"台账{role}", "password": PASSWORD, "roles": [role]}
        if unit_id:
            payload["unitID"] = unit_id
        post_json(server, token, "/api/v1/users", payload)
    assessment = post_json(server, token, "/api/v1/assessments",
                           {"organizationID": org["id"], "schemeID": "pingqiao-2022", "year": 2022,
                            "title": "浏览器测试·抽查与整改"})
    a = assessment["id"]
    post_json(server, token, f"/api/v1/assessments/{a}/enrolments", {"unitIDs": [u["id"] for u in units]})
    _, users = api(server, "GET", "/api/v1/users", token)
    evaluator = next(u for u in json.loads(users) if u["username"] == "eva-l")
    for unit in units:
        post_json(server, token, f"/api/v1/assessments/{a}/assignments",
                  {"userID": evaluator["id"], "unitID": unit["id"]})
    post_json(server, token, f"/api/v1/assessments/{a}/state", {"state": "open", "reason": "浏览器测试"})
    return f"/assessments/{a}", units[0]["id"]


def test_spot_check_to_closed_item(server, browser, downloads):
    driver = browser
    assessment_path, unit_id = set_up(server)

    # The organizer publishes a plan: both units, the evaluator as the only inspector.
    login(driver, server, "org-l", PASSWORD)
    go(driver, server, f"{assessment_path}/spot-checks")
    form = form_for(driver, "/spot-checks")
    fill(driver, form, {"title": "第一批实地抽查", "population": "units", "count": "2"})
    checkbox = next(box for box in form.find_elements(By.CSS_SELECTOR, "input[name=inspector]")
                    if "eva-l" in box.find_element(By.XPATH, "..").text)
    checkbox.click()
    submit(driver, form)
    assert "抽查计划已公布" in driver.page_source, errors_on_page(driver)
    seed_hash = re.search(r"随机种子的 SHA-256</th><td><code>([0-9a-f]{64})</code>", driver.page_source).group(1)
    plan_path = driver.current_url.split("?")[0].replace(server.base_url, "")
    shot(driver, "ledger-01-plan-published")

    # The draw reveals the seed, whose hash is the one published; drawing again is not offered.
    submit(driver, form_for(driver, "/draw"))
    assert "已抽取" in driver.page_source, errors_on_page(driver)
    seed = re.search(r"随机种子（抽取时公开）</th><td><code>([0-9a-f]{64})</code>", driver.page_source).group(1)
    assert hashlib.sha256(seed.encode()).hexdigest() == seed_hash
    assert not [f for f in driver.find_elements(By.CSS_SELECTOR, "main form")
                if (f.get_attribute("action") or "").endswith("/draw")]
    shot(driver, "ledger-02-drawn")
    logout(driver)

    # The inspector records a problem for L01 and opens a rectification item from it.
    login(driver, server, "eva-l", PASSWORD)
    go(driver, server, plan_path)
    row = next(r for r in driver.find_elements(By.CSS_SELECTOR, "table.ledger tbody tr") if "L01" in r.text)
    form = row.find_element(By.CSS_SELECTOR, "form.spot-result")
    fill(driver, form, {"outcome": "problem", "item": "2.1", "note": "监管事项目录未动态更新"})
    submit(driver, form)
    assert "已记录问题" in driver.page_source, errors_on_page(driver)
    shot(driver, "ledger-03-problem")
    driver.find_element(By.LINK_TEXT, "建立整改事项").click()
    form = next(f for f in driver.find_elements(By.CSS_SELECTOR, "main form[method=post]")
                if (f.get_attribute("action") or "").endswith("/ledger"))
    fill(driver, form, {"measures": "更新监管事项目录并报送", "days": "10"})
    submit(driver, form)
    assert "整改事项已建立" in driver.page_source, errors_on_page(driver)
    assert "监管事项目录未动态更新" in driver.page_source and "待整改" in driver.page_source
    item_path = driver.current_url.split("?")[0].replace(server.base_url, "")
    shot(driver, "ledger-04-item-opened")
    logout(driver)

    # The unit's reporter answers with evidence.
    login(driver, server, "rep-l", PASSWORD)
    go(driver, server, item_path)
    evidence = pathlib.Path(tempfile.mkdtemp()) / "整改报告.pdf"
    evidence.write_bytes(b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
    form = next(f for f in driver.find_elements(By.CSS_SELECTOR, "main form")
                if "/answer" in (f.get_attribute("action") or ""))
    fill(driver, form, {"text": "已更新目录，附整改报告"})
    form.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(str(evidence))
    submit(driver, form)
    assert "整改情况已提交" in driver.page_source, errors_on_page(driver)
    assert "已整改待核验" in driver.page_source and "整改报告.pdf" in driver.page_source
    shot(driver, "ledger-05-answered")
    logout(driver)

    # The evaluator verifies it: 已销号.
    login(driver, server, "eva-l", PASSWORD)
    go(driver, server, item_path)
    form = next(f for f in driver.find_elements(By.CSS_SELECTOR, "main form")
                if f.find_elements(By.CSS_SELECTOR, "input[name=action][value=verify]"))
    submit(driver, form)
    assert "已核验销号" in driver.page_source, errors_on_page(driver)
    assert "已销号" in driver.page_source
    shot(driver, "ledger-06-closed")

    # The ledger shows it closed and exports as XLSX.
    go(driver, server, f"{assessment_path}/ledger")
    assert "已销号" in driver.find_element(By.CSS_SELECTOR, "table.ledger").text
    shot(driver, "ledger-07-ledger")
    driver.find_element(By.PARTIAL_LINK_TEXT, "导出台账").click()
    deadline = time.time() + 20
    files = []
    while time.time() < deadline:
        files = [p for p in downloads.iterdir() if p.name.endswith("整改台账.xlsx")]
        if files:
            break
        time.sleep(0.2)
    assert files, list(downloads.iterdir())
    assert files[0].read_bytes()[:2] == b"PK"
    logout(driver)
