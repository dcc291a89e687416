"""Importing platform records in Chromium: the demo organizer uploads a CSV of cases with one header the
platform does not know, maps it on the page ("ignore"), watches the progress bar (moved by the page's own
script polling the job's status) reach 100 %, and sees the counts; a second upload of the same file needs no
mapping and counts every row unchanged. Then it publishes March's bulletin from a draft. Screenshots go to test-artifacts/.
"""

import pathlib
import tempfile
import time

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from conftest import demo_server
from test_platform import go, login, shot

ROWS = 20_000
RECORDS = "/organizations/demo-org-xinbei/records"
BULLETINS = "/assessments/demo-xinbei-sanheyi/bulletins"


def write_cases(directory: pathlib.Path) -> pathlib.Path:
    path = directory / "case.csv"
    lines = ["id,unit,办理渠道,受理日期,finished,promised_days,legal_days,经办人"]
    for index in range(ROWS):
        channel = "网下" if index % 7 == 0 else "网上"
        lines.append(f"br{index},xb0{index % 3 + 1},{channel},2023-03-01,2023-03-0{index % 5 + 2},3,5,张三")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def upload(driver, server, path: pathlib.Path):
    go(driver, server, RECORDS)
    form = driver.find_element(By.CSS_SELECTOR, "form.record-upload")
    form.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(str(path))
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(driver, 30).until(lambda d: "/records/jobs/" in d.current_url)


def case_count(driver) -> int:
    """The number of cases in the records page's table of counts."""
    for row in driver.find_elements(By.CSS_SELECTOR, "table.record-counts tbody tr"):
        cells = row.find_elements(By.TAG_NAME, "td")
        if cells[1].text == "case":
            return int(cells[2].text)
    raise AssertionError("no case row in the counts")


def watch_progress(driver) -> list[int]:
    """The progress bar's values until the page shows the outcome (the bar at 100 with the counts)."""
    seen: list[int] = []
    deadline = time.time() + 120
    while time.time() < deadline:
        bars = driver.find_elements(By.CSS_SELECTOR, ".import-progress progress")
        try:
            if bars:
                seen.append(int(float(bars[0].get_attribute("value"))))
            if driver.find_elements(By.CSS_SELECTOR, "table.import-result"):
                # The page may have been replaced between the two reads: the outcome page's own bar counts.
                final = driver.find_elements(By.CSS_SELECTOR, ".import-progress progress")
                if final:
                    seen.append(int(float(final[0].get_attribute("value"))))
                return seen
        except Exception:  # the page reloaded between two reads
            pass
        time.sleep(0.05)
    raise AssertionError(f"the import did not finish; bar values {seen[-20:]}:\n{driver.page_source[:3000]}")


def publish_march_bulletin(driver, server):
    """From the assessment's bulletins page: a draft for March (the month of the imported cases), then publish
    it; the published bulletin is numbered, frozen (no draft mark, no publish form) and listed."""
    go(driver, server, BULLETINS)
    listed_before = len(driver.find_elements(By.CSS_SELECTOR, "table tbody tr td.num"))
    form = driver.find_element(By.CSS_SELECTOR, "form.bulletin-request")
    Select(form.find_element(By.NAME, "period")).select_by_value("2023-03")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(driver, 60).until(lambda d: "/bulletins/draft" in d.current_url)
    assert driver.find_elements(By.CSS_SELECTOR, ".draft-mark"), driver.page_source[:2000]
    # The units of the imported cases are in the draft's table.
    assert driver.find_elements(By.CSS_SELECTOR, "tr[data-unit='xb01']"), driver.page_source[:3000]
    publish = driver.find_element(By.XPATH, "//form[@method='post']//button[starts-with(normalize-space(.), '发布第')]")
    number = publish.text.strip().removeprefix("发布第").removesuffix("期")
    shot(driver, "24-bulletin-draft")
    publish.click()
    WebDriverWait(driver, 60).until(lambda d: "done=published" in d.current_url)
    assert f"/bulletins/{number}" in driver.current_url, driver.current_url
    assert f"2023年第{number}期" in driver.page_source, driver.page_source[:2000]
    assert "已发布" in driver.page_source
    assert not driver.find_elements(By.CSS_SELECTOR, ".draft-mark")
    assert not driver.find_elements(By.XPATH, "//button[starts-with(normalize-space(.), '发布第')]")
    shot(driver, "25-bulletin-published")
    go(driver, server, BULLETINS)
    assert len(driver.find_elements(By.CSS_SELECTOR, "table tbody tr td.num")) == listed_before + 1
    assert f"第{number}期" in driver.page_source


def test_records_import_maps_a_header_and_shows_progress(kaohe_bin, browser):
    driver = browser
    work = pathlib.Path(tempfile.mkdtemp(prefix="kaohe-records-files-"))
    with demo_server(kaohe_bin, "records") as server:
        login(driver, server, "demo-organizer", "kaohe-demo")
        go(driver, server, "/organizations")
        driver.find_element(By.CSS_SELECTOR, f"a[href='{RECORDS}']").click()
        assert "整份不导入，不写入任何记录" in driver.page_source
        before = case_count(driver)
        shot(driver, "20-records-page")

        upload(driver, server, write_cases(work))
        # The header “经办人” is unknown: the job page asks for its field once.
        select = WebDriverWait(driver, 60).until(lambda d: d.find_elements(By.NAME, "field_0_0"))[0]
        assert "经办人" in driver.page_source
        shot(driver, "21-records-mapping")
        Select(select).select_by_value("")  # 忽略此列
        driver.find_element(By.CSS_SELECTOR, "form.mapping button[type=submit]").click()
        values = watch_progress(driver)
        shot(driver, "22-records-done")
        assert values and values[-1] == 100, values
        assert values == sorted(values), values
        # Seen moving while it ran (the page's script moved the bar before the outcome showed).
        assert any(0 < value < 100 for value in values), values
        result = driver.find_element(By.CSS_SELECTOR, "table.import-result")
        assert result.find_element(By.CSS_SELECTOR, "td.new").text == str(ROWS)
        assert f"新增 {ROWS} 条" in driver.page_source

        # Again: the mapping is remembered, every row is unchanged, and the history lists both imports.
        upload(driver, server, work / "case.csv")
        watch_progress(driver)
        result = driver.find_element(By.CSS_SELECTOR, "table.import-result")
        assert result.find_element(By.CSS_SELECTOR, "td.unchanged").text == str(ROWS)
        go(driver, server, RECORDS)
        history = driver.find_element(By.CSS_SELECTOR, "table.imports").text
        assert history.count("case.csv") == 2, history
        assert case_count(driver) == before + ROWS
        shot(driver, "23-records-history")

        publish_march_bulletin(driver, server)
