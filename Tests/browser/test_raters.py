"""A rater round in Chromium: the demo organizer sets up and opens a round on Changbai's 营商环境 item 3 and
prints one slip; on a phone-sized window (390×844) the slip's address opens the public ballot without an
account, every unit is rated and the sheet submitted; the same address is refused the second time; then the
organizer closes the round and the item's score (from that one public ballot) is on the results' score sheet.
Screenshots go to test-artifacts/.
"""

import re

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from conftest import demo_server
from test_platform import go, login, shot

ASSESSMENT = "/assessments/demo-changbai-2020-yingshang"


def click_and_wait(driver, element):
    """Clicks a button that submits a form and waits for the next page: the click can return before the page
    has loaded, and checking the old page then fails by chance."""
    old = driver.find_element(By.TAG_NAME, "html")
    element.click()
    WebDriverWait(driver, 20).until(lambda d: old != d.find_element(By.TAG_NAME, "html"))


def test_public_ballot_on_a_phone_then_the_score(kaohe_bin, browser):
    driver = browser
    with demo_server(kaohe_bin, "raters") as server:
        driver.set_window_size(1366, 1000)
        login(driver, server, "demo-organizer", "kaohe-demo")
        # The demo's closed round is alive: tallies, response rates and item 3's score per unit.
        go(driver, server, "/raters/demo-round-changbai-2020")
        assert "已结束" in driver.page_source and "1,000票" in driver.page_source
        assert "去掉最高最低" in driver.page_source
        shot(driver, "30-raters-demo-round")

        # A new round on item 3: leaders named, departments rating each other, the public with codes.
        go(driver, server, f"{ASSESSMENT}/raters")
        form = driver.find_element(By.CSS_SELECTOR, f"form[action='{ASSESSMENT}/raters']")
        Select(form.find_element(By.NAME, "item")).select_by_value("3")
        form.find_element(By.NAME, "title").send_keys("浏览器测试评议")
        click_and_wait(driver, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
        round_path = re.search(r"(/raters/[0-9a-f-]+)", driver.current_url).group(1)
        raters = driver.find_element(By.NAME, "raters_leaders")
        raters.clear()
        raters.send_keys("demo-cb-leader1")
        click_and_wait(driver, driver.find_element(By.XPATH, "//button[text()='保存设置']"))
        assert "评议设置已保存" in driver.page_source, driver.page_source[:3000]
        click_and_wait(driver, driver.find_element(By.XPATH, "//button[text()='开始评议']"))
        assert "评议已开始" in driver.page_source
        count = driver.find_element(By.CSS_SELECTOR, f"form[action='{round_path}/codes'] input[name=count]")
        count.clear()
        count.send_keys("1")
        click_and_wait(driver, driver.find_element(By.XPATH, "//button[@value='slips']"))
        slip = driver.find_element(By.CSS_SELECTOR, ".slip")
        assert slip.find_element(By.TAG_NAME, "svg")  # the QR code, drawn by the server
        code = slip.find_element(By.CLASS_NAME, "code").text
        address = slip.find_element(By.CLASS_NAME, "addr").text
        assert re.fullmatch(r"[2-9A-HJ-NP-Z]{11}", code) and address.endswith("/p/" + code), (code, address)
        shot(driver, "31-raters-slips")

        # A phone: no account, the slip's address, every unit rated.
        driver.delete_all_cookies()
        driver.set_window_size(390, 844)
        driver.get(address)
        units = driver.find_elements(By.CSS_SELECTOR, ".ballot-unit")
        assert len(units) == 6, driver.page_source[:2000]
        width = driver.execute_script("return document.documentElement.scrollWidth")
        assert width <= 390, f"the ballot is wider than the phone: {width}px"
        for unit in units:
            unit.find_element(By.CSS_SELECTOR, "input[type=radio][value='满意']").click()
        units[0].find_element(By.TAG_NAME, "textarea").send_keys("服务热情")
        shot(driver, "32-raters-phone-ballot")
        click_and_wait(driver, driver.find_element(By.XPATH, "//button[text()='提交评议']"))
        assert "感谢您参加" in driver.page_source, driver.page_source[:2000]
        shot(driver, "33-raters-phone-thanks")
        driver.get(address)
        assert "已使用过" in driver.page_source
        assert not driver.find_elements(By.CSS_SELECTOR, ".ballot-unit")
        shot(driver, "34-raters-phone-refused")

        # The organizer closes the round: item 3 is now scored from it (public only: 100 → 25 × 100% = 25).
        driver.set_window_size(1366, 1000)
        login(driver, server, "demo-organizer", "kaohe-demo")
        go(driver, server, round_path)
        assert "1/1" in driver.page_source  # one code issued, one used
        click_and_wait(driver, driver.find_element(By.XPATH, "//button[text()='结束评议']"))
        assert "评议已结束" in driver.page_source
        go(driver, server, f"{ASSESSMENT}/results")
        rows = driver.find_elements(By.CSS_SELECTOR, "tr[data-unit]")
        assert len(rows) == 6
        shot(driver, "35-raters-results")
        go(driver, server, f"{ASSESSMENT}/units/demo-cb01/sheet")
        sheet = driver.find_element(By.CSS_SELECTOR, "table.sheet").text
        assert "社会评议 100.00（1票）×30%" in sheet and "25 × 100.00% = 25.00分" in sheet, sheet
        shot(driver, "36-raters-score-sheet")
