"""End to end in Chromium: an administrator creates the accounts, an organizer sets up an assessment on a
built-in scheme, an evaluator scores a unit through the scoring forms, and the total on the results page
must equal what `kaohe score` computes from the same facts. Screenshots go to test-artifacts/.
"""

import json
import re
import subprocess
import tempfile
import time
import urllib.request

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from conftest import ARTIFACTS, Server, free_port

PASSWORD = "Browser-Test-2024"
SCHEME = "changbai-2020-fangguanfu"


def shot(driver, name: str):
    ARTIFACTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / f"{name}.png"))


def go(driver, server, path: str):
    driver.get(server.base_url + path)
    assert "出错了（5" not in driver.title, driver.page_source[:2000]


def fill(driver, form, values: dict):
    for name, value in values.items():
        field = form.find_element(By.NAME, name)
        if field.tag_name == "select":
            Select(field).select_by_value(value)
        else:
            field.clear()
            field.send_keys(value)


def submit(driver, form, button_text: str | None = None):
    old = driver.find_element(By.TAG_NAME, "html")
    buttons = form.find_elements(By.CSS_SELECTOR, "button[type=submit]")
    button = next(b for b in buttons if button_text is None or button_text in b.text)
    button.click()
    WebDriverWait(driver, 20).until(lambda d: old != d.find_element(By.TAG_NAME, "html"))


def form_for(driver, action_suffix: str):
    """The page's form that posts to …action_suffix (a list's search form gets the same address)."""
    for form in driver.find_elements(By.CSS_SELECTOR, "main form[method=post]"):
        if (form.get_attribute("action") or "").endswith(action_suffix):
            return form
    raise AssertionError(f"no form posting to …{action_suffix} on {driver.current_url}:\n{driver.page_source[:3000]}")


def errors_on_page(driver) -> list[str]:
    return [e.text for e in driver.find_elements(By.CSS_SELECTOR, "p.error, div.error")]


def login(driver, server, username: str, password: str):
    go(driver, server, "/login")
    form = driver.find_element(By.CSS_SELECTOR, "main form")
    fill(driver, form, {"username": username, "password": password})
    submit(driver, form)
    assert "/login" not in driver.current_url, errors_on_page(driver)


def logout(driver):
    form = driver.find_element(By.CSS_SELECTOR, "header form")
    submit(driver, form)


def api(server, method: str, path: str, token: str | None = None, body: bytes | None = None,
        headers: dict | None = None):
    request = urllib.request.Request(server.base_url + path, data=body, method=method)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    for key, value in (headers or {}).items():
        request.add_header(key, value)
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, response.read()


def token_for(server, username: str) -> str:
    body = json.dumps({"username": username, "password": PASSWORD, "name": "browser-test"}).encode()
    status, data = api(server, "POST", "/api/v1/tokens", body=body, headers={"Content-Type": "application/json"})
    assert status == 201
    return json.loads(data)["token"]


def fill_item_form(form):
    """Answers every fact of one item the way a diligent evaluator would: yes, zero incidents, full rates,
    the first choice, numbers at their lower bound."""
    for fieldset in form.find_elements(By.TAG_NAME, "fieldset"):
        radios = fieldset.find_elements(By.CSS_SELECTOR, "input[type=radio][value=true]")
        if radios:
            radios[0].click()
    for field in form.find_elements(By.CSS_SELECTOR, "input[type=number]"):
        if field.get_attribute("value"):
            continue
        field.send_keys(field.get_attribute("min") or "0")
    for field in form.find_elements(By.CSS_SELECTOR, "input[name$='.num']"):
        if not field.get_attribute("value"):
            field.send_keys("10")
    for field in form.find_elements(By.CSS_SELECTOR, "input[name$='.den']"):
        if not field.get_attribute("value"):
            field.send_keys("10")
    for field in form.find_elements(By.TAG_NAME, "select"):
        options = [o.get_attribute("value") for o in field.find_elements(By.TAG_NAME, "option")]
        choices = [o for o in options if o]
        if choices and not Select(field).first_selected_option.get_attribute("value"):
            Select(field).select_by_value(choices[0])


def test_organizer_evaluator_results(server, browser, downloads):
    driver = browser

    # Administrator: the printed first-start password works; create an organizer and an evaluator.
    login(driver, server, server.admin_user, server.admin_password)
    shot(driver, "01-admin-dashboard")
    for username, role in (("org1", "organizer"), ("eva1", "evaluator")):
        go(driver, server, "/users")
        form = form_for(driver, "/users")
        fill(driver, form, {"username": username, "display_name": f"测试{role}", "password": PASSWORD})
        form.find_element(By.CSS_SELECTOR, f"input[name=roles][value={role}]").click()
        submit(driver, form)
        assert not errors_on_page(driver), errors_on_page(driver)
        assert username in driver.page_source
    shot(driver, "02-users")
    logout(driver)

    # Organizer: an organization, a unit, an assessment on a built-in scheme; enrol, assign, open.
    login(driver, server, "org1", PASSWORD)
    go(driver, server, "/organizations")
    form = form_for(driver, "/organizations")
    fill(driver, form, {"name": "长白县浏览器测试考评办"})
    submit(driver, form)
    assert "长白县浏览器测试考评办" in driver.page_source
    go(driver, server, "/units")
    form = form_for(driver, "/units")
    fill(driver, form, {"code": "T01", "name": "县测试局", "type": "district_department"})
    submit(driver, form)
    assert "县测试局" in driver.page_source, errors_on_page(driver)

    go(driver, server, "/schemes")
    assert SCHEME in driver.page_source
    driver.find_element(By.CSS_SELECTOR, f"a[href='/schemes/{SCHEME}']").click()
    table = driver.find_element(By.ID, "score-table")
    headers = [th.text for th in table.find_elements(By.CSS_SELECTOR, "thead th")]
    assert headers == ["项目", "序号", "考核内容", "考核标准", "分值"]
    shot(driver, "03-scheme-table")

    go(driver, server, "/assessments")
    form = form_for(driver, "/assessments")
    fill(driver, form, {"scheme_id": SCHEME, "year": "2020", "title": "浏览器测试考评"})
    submit(driver, form)
    assert not errors_on_page(driver), errors_on_page(driver)
    if not re.search(r"/assessments/[^/]+$", driver.current_url):
        driver.find_element(By.LINK_TEXT, "浏览器测试考评").click()
    assessment_path = "/" + driver.current_url.split("/", 3)[3].split("?")[0]
    assessment_id = assessment_path.rsplit("/", 1)[1]

    form = form_for(driver, "/enrolments")
    form.find_element(By.XPATH, ".//label[contains(., 'T01')]/input").click()
    submit(driver, form)
    assert "县测试局" in driver.page_source, errors_on_page(driver)
    form = form_for(driver, "/assignments")
    Select(form.find_element(By.NAME, "user_id")).select_by_visible_text("测试evaluator（eva1）")
    submit(driver, form)
    assert "测试evaluator" in driver.page_source, errors_on_page(driver)
    for state in ("open", "scoring"):
        form = form_for(driver, "/state")
        fill(driver, form, {"reason": "浏览器测试"})
        form.find_element(By.CSS_SELECTOR, f"button[value={state}]").click()
        WebDriverWait(driver, 20).until(lambda d: "考核状态已变更" in d.page_source or errors_on_page(d))
        assert not errors_on_page(driver), errors_on_page(driver)
    shot(driver, "04-assessment")
    logout(driver)

    # Evaluator: the unit's scoring page, every item's form answered and saved.
    login(driver, server, "eva1", PASSWORD)
    go(driver, server, assessment_path)
    units = driver.find_elements(By.XPATH, "//main//a[contains(@href, '/units/')]")
    assert units, "no scoring link on the assessment page:\n" + driver.page_source[:3000]
    scoring_path = "/" + units[0].get_attribute("href").split("/", 3)[3]
    go(driver, server, scoring_path)
    item_ids = [s.get_attribute("id")[len("item-"):] for s in driver.find_elements(By.CSS_SELECTOR, "section.item")]
    assert len(item_ids) >= 5, driver.page_source[:3000]
    for item in item_ids:
        go(driver, server, scoring_path)
        section = driver.find_element(By.ID, f"item-{item}")
        forms = section.find_elements(By.CSS_SELECTOR, "form.facts")
        if not forms:
            continue
        fill_item_form(forms[0])
        submit(driver, forms[0])
        assert not [e for e in errors_on_page(driver) if "冲突" in e], errors_on_page(driver)
    go(driver, server, scoring_path)
    shot(driver, "05-scoring")
    page_total = driver.find_element(By.ID, "unit-total").text.strip()

    # The same facts through the API, scored by the engine on the command line.
    token = token_for(server, "eva1")
    unit_id = scoring_path.rstrip("/").rsplit("/", 1)[1]
    _, data = api(server, "GET", f"/api/v1/assessments/{assessment_id}/units/{unit_id}/facts", token)
    records = json.loads(data)
    assert records, "no facts were saved through the forms"
    facts = {record["itemID"]: record["facts"] for record in records}
    document = {"scheme": SCHEME, "units": [{"id": "T01", "name": "县测试局", "facts": facts}]}
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as handle:
        json.dump(document, handle, ensure_ascii=False)
    scored = server.run("score", handle.name)
    assert scored.returncode == 0, scored.stderr
    engine = json.loads(scored.stdout)["units"][0]
    (ARTIFACTS / "engine-result.json").write_text(scored.stdout, encoding="utf-8")

    # Results page: the unit's total equals the engine's.
    go(driver, server, f"{assessment_path}/results")
    shot(driver, "06-results")
    total = driver.find_element(By.CSS_SELECTOR, "tr[data-unit='T01'] td.total").text.strip()
    assert float(total) == float(engine["total"]), (total, engine["total"])
    assert float(page_total) == float(engine["total"]), (page_total, engine["total"])
    row = driver.find_element(By.CSS_SELECTOR, "tr[data-unit='T01']")
    cells = [td.text.strip() for td in row.find_elements(By.TAG_NAME, "td")]
    if engine.get("grade"):
        assert engine["grade"] in cells, (cells, engine["grade"])
    assert ("降档" in row.text) == bool(engine.get("downgrade")), (row.text, engine.get("downgrade"))

    # XLSX download: a real ZIP (OOXML) file arrives.
    links = driver.find_elements(By.CSS_SELECTOR, "a[href$='results.xlsx']")
    assert links, "no XLSX download link on the results page"
    links[0].click()
    deadline = time.time() + 30
    files = []
    while time.time() < deadline:
        files = [p for p in downloads.iterdir() if p.suffix == ".xlsx"]
        if files and not any(p.suffix == ".crdownload" for p in downloads.iterdir()):
            break
        time.sleep(0.3)
    assert files, f"no .xlsx downloaded: {list(downloads.iterdir())}"
    content = files[0].read_bytes()
    assert content[:2] == b"PK" and b"xl/workbook.xml" in content
    (ARTIFACTS / "results.xlsx").write_bytes(content)


def test_demo_data_is_alive(kaohe_bin, browser):
    """`kaohe demo` then `kaohe serve` on the same data directory: the demo accounts log in and see the
    documents' assessments with scored units."""
    driver = browser
    data_dir = tempfile.mkdtemp(prefix="kaohe-demo-browser-")
    loaded = subprocess.run([kaohe_bin, "demo", "--data-dir", data_dir], capture_output=True, text=True, timeout=300)
    assert loaded.returncode == 0, loaded.stderr
    assert "kaohe-demo" in loaded.stdout and "demo-organizer" in loaded.stdout, loaded.stdout
    again = subprocess.run([kaohe_bin, "demo", "--data-dir", data_dir], capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and "已载入过" in again.stdout, again.stdout + again.stderr
    server = Server(kaohe_bin, data_dir, free_port())
    try:
        server.wait_started()
        assert server.admin_password is None  # users exist: no new administrator
        login(driver, server, "demo-organizer", "kaohe-demo")
        go(driver, server, "/assessments")
        for title in ("平桥区2022年度", "双鸭山市2017年度", "长白县2020年度", "新北区2023年度"):
            assert title in driver.page_source, title
        driver.find_element(By.PARTIAL_LINK_TEXT, "平桥区2022年度").click()
        assessment_path = "/" + driver.current_url.split("/", 3)[3].split("?")[0]
        go(driver, server, f"{assessment_path}/results")
        rows = driver.find_elements(By.CSS_SELECTOR, "tr[data-unit]")
        assert len(rows) == 26, len(rows)
        assert "区委宣传部" in driver.page_source
        shot(driver, "07-demo-pingqiao-results")
        logout(driver)
        login(driver, server, "demo-reporter", "kaohe-demo")
        go(driver, server, "/units")
        assert "区委宣传部" in driver.page_source and "区档案局" not in driver.page_source
        # The reporter's self-assessment: submitted, item 2.1 returned by the evaluator for correction.
        go(driver, server, "/dashboard")
        driver.find_element(By.PARTIAL_LINK_TEXT, "平桥区2022年度").click()
        assert "退回补正" in driver.find_element(By.ID, "status").text
        assert "请补充监管事项覆盖率的统计口径和明细表" in driver.find_element(By.ID, "item-2.1").text
        shot(driver, "08-demo-reporter-self-assessment")
        logout(driver)
        # The organizer's dashboard of submissions and the Shuangyashan publication with its objection.
        login(driver, server, "demo-organizer", "kaohe-demo")
        go(driver, server, f"{assessment_path}/submissions")
        assert int(driver.find_element(By.ID, "count-submitted").text) > 0
        assert int(driver.find_element(By.ID, "count-not-started").text) > 0
        shot(driver, "09-demo-submissions")
        go(driver, server, "/assessments")
        driver.find_element(By.PARTIAL_LINK_TEXT, "双鸭山市2017年度").click()
        driver.find_element(By.LINK_TEXT, "公示与异议").click()
        assert "第1版" in driver.page_source and "待答复" in driver.page_source
        assert "第1版 —分" not in driver.page_source, "the demo objection names the published score"
        shot(driver, "10-demo-publication")
        # Xinbei's facts come from the generated platform records: from item 23's deduction to its cases.
        go(driver, server, "/assessments/demo-xinbei-sanheyi/units/demo-xb05")
        item = driver.find_element(By.ID, "item-23")
        assert "平台推算" in item.text and "办件超法定期限" in item.find_element(By.CLASS_NAME, "explain").text
        derived = next(d for d in item.find_elements(By.CLASS_NAME, "derived") if "办件超法定期限" in d.text)
        count = int(re.search(r"（(\d+)条办件记录", derived.text).group(1))
        assert count > 0, derived.text
        derived.find_element(By.LINK_TEXT, "查看记录").click()
        assert "推算依据" in driver.title, driver.title
        rows = driver.find_elements(By.CSS_SELECTOR, "table.records tbody tr")
        assert len(rows) == count, (len(rows), count)
        assert all(("逾期办结" in r.text) or ("超期未办结" in r.text) for r in rows), [r.text for r in rows]
        shot(driver, "11-demo-records-behind-a-deduction")
        logout(driver)
    finally:
        server.stop()
        (ARTIFACTS / "demo-server-output.txt").write_text("".join(server.output), encoding="utf-8")
