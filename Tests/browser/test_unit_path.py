"""The assessed unit's whole path in Chromium: a unit reporter fills in the self-assessment item by item,
uploads evidence, submits; the evaluator returns one item; the reporter corrects, answers and resubmits;
the organizer publishes (公示); the reporter sees the published score sheet and lodges an objection.
Set-up (organization, unit, accounts, assessment) goes through the JSON API. Screenshots go to
test-artifacts/unit-*.png.
"""

import json
import pathlib
import tempfile

from selenium.webdriver.common.by import By

from conftest import ARTIFACTS
from test_platform import PASSWORD, api, errors_on_page, fill, form_for, go, login, logout, shot, submit

SCHEME = "pingqiao-2022"


def admin_token(server) -> str:
    body = json.dumps({"username": server.admin_user, "password": server.admin_password, "name": "unit-path"})
    status, data = api(server, "POST", "/api/v1/tokens", body=body.encode(),
                       headers={"Content-Type": "application/json"})
    assert status == 201
    return json.loads(data)["token"]


def post_json(server, token: str, path: str, payload: dict) -> dict:
    status, data = api(server, "POST", path, token, json.dumps(payload, ensure_ascii=False).encode(),
                       {"Content-Type": "application/json"})
    assert status in (200, 201), (path, status, data[:500])
    return json.loads(data) if data else {}


def set_up(server) -> tuple[str, str]:
    """An organization with unit P01, a reporter / evaluator / organizer, an open assessment on pingqiao-2022.
    Returns (assessment path, unit id)."""
    token = admin_token(server)
    org = post_json(server, token, "/api/v1/organizations", {"name": "平桥区浏览器测试考核办"})
    unit = post_json(server, token, "/api/v1/units",
                     {"organizationID": org["id"], "code": "P01", "name": "区浏览器测试局",
                      "type": "district_department"})
    for username, role, unit_id in (("rep1", "reporter", unit["id"]), ("eva2", "evaluator", None),
                                    ("org2", "organizer", None)):
        payload = {"username": username, "displayName": f"单位测试{role}", "password": PASSWORD, "roles": [role]}
        if unit_id:
            payload["unitID"] = unit_id
        post_json(server, token, "/api/v1/users", payload)
    assessment = post_json(server, token, "/api/v1/assessments",
                           {"organizationID": org["id"], "schemeID": SCHEME, "year": 2022,
                            "title": "浏览器测试·单位自评"})
    a = assessment["id"]
    post_json(server, token, f"/api/v1/assessments/{a}/enrolments", {"unitIDs": [unit["id"]]})
    _, users = api(server, "GET", "/api/v1/users", token)
    evaluator = next(u for u in json.loads(users) if u["username"] == "eva2")
    post_json(server, token, f"/api/v1/assessments/{a}/assignments", {"userID": evaluator["id"], "unitID": unit["id"]})
    post_json(server, token, f"/api/v1/assessments/{a}/state", {"state": "open", "reason": "浏览器测试"})
    return f"/assessments/{a}", unit["id"]


def save_item(driver, section, score: str, note: str, answer: str | None = None):
    form = section.find_element(By.CSS_SELECTOR, "form.self")
    values = {"self_score": score, "note": note}
    if answer is not None:
        values["answer"] = answer
    fill(driver, form, values)
    submit(driver, form)
    assert not errors_on_page(driver), errors_on_page(driver)


def test_unit_reporter_path(server, browser):
    driver = browser
    assessment_path, unit_id = set_up(server)
    self_path = f"{assessment_path}/units/{unit_id}/self"

    # The reporter fills every item from the page, uploads one evidence file, submits.
    login(driver, server, "rep1", PASSWORD)
    assert self_path in driver.page_source, "the dashboard links the reporter's self-assessment"
    go(driver, server, self_path)
    assert "组织机构建立情况" in driver.page_source  # the document's wording
    items = [s.get_attribute("id")[len("item-"):] for s in driver.find_elements(By.CSS_SELECTOR, "section.item")]
    assert items == ["1.1", "1.2", "1.3", "2.1", "2.2", "2.3", "2.4", "3.1", "3.2", "3.3"], items
    maxima = {"1.1": "5", "1.2": "10", "1.3": "5", "2.1": "20", "2.2": "20", "2.3": "10", "2.4": "10", "3.1": "5",
              "3.2": "10", "3.3": "5"}
    for item in items:
        go(driver, server, self_path)
        save_item(driver, driver.find_element(By.ID, f"item-{item}"), maxima[item], f"{item}：已按要求完成")
    go(driver, server, self_path)
    shot(driver, "unit-01-filled")

    evidence = pathlib.Path(tempfile.mkdtemp()) / "监管事项覆盖率统计表.pdf"
    evidence.write_bytes(b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
    section = driver.find_element(By.ID, "item-2.1")
    file_input = section.find_element(By.CSS_SELECTOR, "input[type=file]")
    file_input.send_keys(str(evidence))
    submit(driver, file_input.find_element(By.XPATH, "./ancestor::form"))
    assert not errors_on_page(driver), errors_on_page(driver)
    go(driver, server, self_path)
    assert "监管事项覆盖率统计表.pdf" in driver.find_element(By.ID, "item-2.1").text

    submit(driver, driver.find_element(By.CSS_SELECTOR, "form button#submit-self").find_element(By.XPATH, "./ancestor::form"))
    assert "自评已提交" in driver.page_source, errors_on_page(driver)
    assert driver.find_element(By.ID, "status").text == "已提交"
    shot(driver, "unit-02-submitted")
    logout(driver)

    # The evaluator returns item 2.1 for correction.
    login(driver, server, "eva2", PASSWORD)
    go(driver, server, f"{assessment_path}/units/{unit_id}/review")
    section = driver.find_element(By.ID, "item-2.1")
    assert "监管事项覆盖率统计表.pdf" in section.text
    form = section.find_element(By.CSS_SELECTOR, "form.review")
    fill(driver, form, {"text": "请补充监管事项覆盖率的统计口径"})
    submit(driver, form, "退回补正")
    assert not errors_on_page(driver), errors_on_page(driver)
    shot(driver, "unit-03-returned-by-evaluator")
    logout(driver)

    # The reporter sees the return, corrects the item with an answer, resubmits.
    login(driver, server, "rep1", PASSWORD)
    go(driver, server, self_path)
    assert "请补充监管事项覆盖率的统计口径" in driver.page_source
    assert "退回补正" in driver.find_element(By.ID, "status").text
    shot(driver, "unit-04-return-seen")
    save_item(driver, driver.find_element(By.ID, "item-2.1"), "15", "覆盖率70%，统计口径见附表", "已补充统计口径")
    go(driver, server, self_path)
    submit(driver, driver.find_element(By.CSS_SELECTOR, "form button#submit-self").find_element(By.XPATH, "./ancestor::form"))
    assert "自评已提交" in driver.page_source, errors_on_page(driver)
    assert "第2次提交" in driver.page_source
    shot(driver, "unit-05-resubmitted")
    logout(driver)

    # The organizer scores item 2.1 (coverage 60% → 15) and publishes: 评分 → 公示.
    login(driver, server, "org2", PASSWORD)
    go(driver, server, f"{assessment_path}/units/{unit_id}")
    form = driver.find_element(By.ID, "item-2.1").find_element(By.CSS_SELECTOR, "form.facts")
    fill(driver, form, {"f.coverage.pct": "60"})
    submit(driver, form)
    assert not errors_on_page(driver), errors_on_page(driver)
    go(driver, server, f"{assessment_path}/submissions")
    assert "已提交" in driver.find_element(By.CSS_SELECTOR, "tr[data-unit='P01'] td.status").text
    shot(driver, "unit-06-organizer-dashboard")
    go(driver, server, assessment_path)
    for state in ("scoring", "publicity"):
        form = form_for(driver, "/state")
        fill(driver, form, {"reason": "浏览器测试"})
        submit(driver, form, {"scoring": "评分", "publicity": "公示"}[state])
        assert not errors_on_page(driver), errors_on_page(driver)
    logout(driver)

    # The reporter sees the published score sheet and objects to item 2.2.
    login(driver, server, "rep1", PASSWORD)
    go(driver, server, self_path)
    published = driver.find_element(By.ID, "item-2.1").find_element(By.CSS_SELECTOR, ".published-score").text
    assert published == "15", published
    section = driver.find_element(By.ID, "item-2.2")
    form = section.find_element(By.CSS_SELECTOR, "form.objection")
    fill(driver, form, {"text": "数据入库正确率应为90%，见平台导出记录"})
    export = evidence.with_name("平台导出记录.pdf")
    export.write_bytes(evidence.read_bytes())
    form.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(str(export))
    submit(driver, form)
    assert "异议已提交" in driver.page_source, errors_on_page(driver)
    assert "数据入库正确率应为90%" in driver.find_element(By.ID, "item-2.2").text
    assert "平台导出记录.pdf" in driver.find_element(By.ID, "item-2.2").text
    shot(driver, "unit-07-objection")
    go(driver, server, f"{assessment_path}/publications")
    assert "待答复" in driver.page_source
    shot(driver, "unit-08-publications")
    logout(driver)
    (ARTIFACTS / "unit-path.txt").write_text(f"{assessment_path} {unit_id}\n", encoding="utf-8")
