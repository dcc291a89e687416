"""Grid entry in Chromium, from the keyboard only: the demo evaluator opens one item of the Changbai demo
assessment for all its units, types each unit's score followed by Enter (which saves the row and moves down
one row in the same column), sees every row saved with its new score and explanation, finds them again after a
reload, and sees each unit's total on the results page move by exactly its item's change. Screenshots go to test-artifacts/.
"""

import time

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from conftest import demo_server
from test_platform import go, login, shot

ASSESSMENT = "/assessments/demo-changbai-2020-fangguanfu"


def totals(driver, server) -> dict[str, str]:
    go(driver, server, ASSESSMENT + "/results")
    return {row.get_attribute("data-unit"): row.find_element(By.CSS_SELECTOR, "td.total").text
            for row in driver.find_elements(By.CSS_SELECTOR, "table.results tr[data-unit]")}


def choose_grid(driver, server):
    """The first item whose grid has at least five rows of one number cell each (a score entered by hand)."""
    go(driver, server, ASSESSMENT)
    links = [a.get_attribute("href") for a in driver.find_elements(By.CSS_SELECTOR, "ul.grid-links a")]
    assert links, driver.page_source[:2000]
    for href in links:
        driver.get(href)
        rows = driver.find_elements(By.CSS_SELECTOR, "table.grid tr[data-unit]")
        if len(rows) >= 5 and all(len(r.find_elements(By.CSS_SELECTOR, "td input.short")) == 1 for r in rows):
            return href, rows
    raise AssertionError("no item with a single number fact for five units")


def test_one_item_for_five_units_from_the_keyboard(kaohe_bin, browser):
    driver = browser
    with demo_server(kaohe_bin, "grid") as server:
        login(driver, server, "demo-evaluator", "kaohe-demo")
        before = totals(driver, server)
        href, rows = choose_grid(driver, server)
        rows = rows[:5]
        units = [row.get_attribute("data-unit") for row in rows]
        old = [row.find_element(By.CSS_SELECTOR, "td input.short").get_attribute("value") for row in rows]
        old_scores = [row.find_element(By.CSS_SELECTOR, "td.grid-score").text for row in rows]
        # New values that differ from the stored ones (1 and 2 are inside every item's range).
        new = ["1" if value != "1" else "2" for value in old]
        shot(driver, "30-grid-before")

        # One focus into the first cell, then only keys: select the cell's text, type, Enter — five times.
        rows[0].find_element(By.CSS_SELECTOR, "td input.short").click()
        for value in new:
            ActionChains(driver).key_down(Keys.CONTROL).send_keys("a").key_up(Keys.CONTROL) \
                .send_keys(value).send_keys(Keys.ENTER).perform()
            time.sleep(0.2)
        deadline = time.time() + 30
        while time.time() < deadline:
            statuses = [driver.find_element(By.CSS_SELECTOR, f"tr[data-unit='{u}'] td.grid-status").text for u in units]
            if all(s.startswith("已保存") for s in statuses):
                break
            time.sleep(0.2)
        else:
            raise AssertionError(f"rows not saved: {statuses}")
        shot(driver, "31-grid-saved")
        new_scores = [driver.find_element(By.CSS_SELECTOR, f"tr[data-unit='{u}'] td.grid-score").text for u in units]
        explanations = [driver.find_element(By.CSS_SELECTOR, f"tr[data-unit='{u}'] td.grid-explain").text for u in units]
        # Each row's score and explanation came back from the server with the typed value in it.
        for value, explanation in zip(new, explanations):
            assert value in explanation, (value, explanation)
        # The focus went down the column: after the fifth Enter it is in the sixth row's cell.
        every = driver.find_elements(By.CSS_SELECTOR, "table.grid tr[data-unit]")
        if len(every) > 5:
            assert driver.switch_to.active_element == every[5].find_element(By.CSS_SELECTOR, "td input.short")

        # The page again (a reload shows what is stored), then the results: every total moved by the change.
        driver.get(href)
        for unit, value in zip(units, new):
            cell = driver.find_element(By.CSS_SELECTOR, f"tr[data-unit='{unit}'] td input.short")
            assert cell.get_attribute("value") == value
        for unit, score in zip(units, new_scores):
            assert driver.find_element(By.CSS_SELECTOR, f"tr[data-unit='{unit}'] td.grid-score").text == score
        # Every unit's total on the results page moved by exactly its item's change.
        after = totals(driver, server)
        for unit, old_score, score in zip(units, old_scores, new_scores):
            delta = float(after[unit]) - float(before[unit])
            assert abs(delta - (float(score) - float(old_score))) < 0.001, (unit, before[unit], after[unit], old_score, score)
        assert any(o != n for o, n in zip(old_scores, new_scores)), (old_scores, new_scores)
        shot(driver, "32-grid-results")
