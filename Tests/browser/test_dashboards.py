"""Each demo role's start page in Chromium: it says at once what waits, and one click on a number opens the list
behind it. The organizer goes from Pingqiao's overdue rectifications to the ledger filtered on them and from the
submissions waiting for review to the submissions page; the evaluator from a unit waiting for review to its
review page; the reporter from its returned item to that item on its self-assessment; the leader from the
latest bulletin to the bulletin. Screenshots go to test-artifacts/.
"""

from selenium.webdriver.common.by import By

from conftest import demo_server
from test_platform import go, login, logout, shot

PINGQIAO = "demo-pingqiao-2022"


def count(card, key: str) -> int:
    return int(card.find_element(By.CSS_SELECTOR, f"b[data-count='{key}']").text)


def test_each_role_sees_what_waits_and_gets_there_in_one_click(kaohe_bin, browser):
    driver = browser
    with demo_server(kaohe_bin, "dashboards") as server:
        login(driver, server, "demo-organizer", "kaohe-demo")
        go(driver, server, "/dashboard")
        card = driver.find_element(By.ID, f"org-{PINGQIAO}")
        assert count(card, "submitted") > 0 and count(card, "awaiting-review") > 0, card.text
        overdue = count(card, "rectifications-overdue")
        assert overdue >= 3, card.text
        assert "通报待发：2022年12月" in card.text
        shot(driver, "40-dashboard-organizer")
        card.find_element(By.CSS_SELECTOR, "li[data-key='rectifications-overdue'] a").click()
        assert "overdue=1" in driver.current_url
        rows = driver.find_elements(By.CSS_SELECTOR, "table.ledger tbody tr")
        assert len(rows) == overdue, (len(rows), overdue)
        go(driver, server, "/dashboard")
        driver.find_element(By.ID, f"org-{PINGQIAO}").find_element(
            By.CSS_SELECTOR, "li[data-key='awaiting-review'] a").click()
        assert driver.current_url.endswith(f"/assessments/{PINGQIAO}/submissions"), driver.current_url
        logout(driver)

        login(driver, server, "demo-evaluator", "kaohe-demo")
        go(driver, server, "/dashboard")
        card = driver.find_element(By.ID, f"eval-{PINGQIAO}")
        waiting = card.find_elements(By.CSS_SELECTOR, "li[data-key='awaiting-review'] ul.sub a")
        assert waiting, card.text
        name = waiting[0].text
        shot(driver, "41-dashboard-evaluator")
        waiting[0].click()
        assert "/review" in driver.current_url and name in driver.page_source
        logout(driver)

        login(driver, server, "demo-reporter", "kaohe-demo")
        go(driver, server, "/dashboard")
        card = driver.find_element(By.ID, f"rep-{PINGQIAO}")
        assert "退回补正" in card.text and "请补充监管事项覆盖率的统计口径和明细表" in card.text
        assert "（已逾期）" in card.text, card.text
        shot(driver, "42-dashboard-reporter")
        card.find_element(By.CSS_SELECTOR, "li[data-key='returned'] ul.sub a").click()
        assert driver.current_url.endswith("#item-2.1"), driver.current_url
        assert "请补充监管事项覆盖率的统计口径和明细表" in driver.find_element(By.ID, "item-2.1").text
        logout(driver)

        login(driver, server, "demo-leader", "kaohe-demo")
        go(driver, server, "/dashboard")
        card = driver.find_element(By.ID, f"lead-{PINGQIAO}")
        link = card.find_element(By.CSS_SELECTOR, "li[data-key='bulletin'] a")
        assert "第2期" in link.text
        shot(driver, "43-dashboard-leader")
        link.click()
        assert driver.current_url.endswith(f"/assessments/{PINGQIAO}/bulletins/2"), driver.current_url
        assert "第2期" in driver.page_source
