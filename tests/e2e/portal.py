"""A real Chromium driven by Selenium (Debian's chromium and chromium-driver), for the portal's tests.

Every page the tests visit is checked for JavaScript errors and failed requests (the browser's
log), and a screenshot of it is saved under `test-artifacts/portal/` (BERTH_SCREENSHOTS changes it).
"""
import os
import re
import time

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

SCREENSHOTS = os.environ.get("BERTH_SCREENSHOTS", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "test-artifacts", "portal")))


class Portal:
    def __init__(self, base_url, width=1280, height=900):
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                         f"--window-size={width},{height}", "--no-proxy-server", "--disable-extensions"):
            options.add_argument(argument)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        service = webdriver.ChromeService(executable_path="/usr/bin/chromedriver")
        self.driver = webdriver.Chrome(options=options, service=service)
        self.driver.set_page_load_timeout(30)
        if width < 500:
            # Chromium will not make a window narrower than 500 px: a phone's width is emulated.
            self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": True})
        self.base_url = base_url
        self.problems = []
        # Failed requests the test provokes on purpose (a 4xx from a form with bad input).
        self.expected_failures = []
        os.makedirs(SCREENSHOTS, exist_ok=True)

    def close(self):
        self.collect_log()
        self.driver.quit()

    # ---------- navigation

    def log_in(self, username, password):
        """Through the login form, as a person would; lands on the projects list."""
        self.open("/#/login")
        self.fill("Username", username)
        self.fill("Password", password)
        self.click("Log in")
        return self.rendered("/projects")

    def open(self, path="/#/projects"):
        self.driver.get(self.base_url + path)
        return self.rendered()

    def go(self, hash_path):
        """Navigates inside the page (`/projects/1`) and waits for the view to be drawn."""
        self.driver.execute_script("document.body.dataset.rendered = ''; location.hash = arguments[0];", "#" + hash_path)
        return self.rendered(hash_path.split("?")[0])

    def rendered(self, path=None, timeout=20):
        def done(driver):
            value = driver.execute_script("return document.body.dataset.rendered || ''")
            return value and (path is None or value == path)
        WebDriverWait(self.driver, timeout).until(done)
        self.collect_log()
        return self

    # ---------- finding and acting

    def find(self, css, timeout=15):
        return WebDriverWait(self.driver, timeout).until(EC.visibility_of_element_located((By.CSS_SELECTOR, css)))

    def all(self, css):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def field(self, label, timeout=15):
        """The input whose <label> reads `label` (exactly), found the way a screen reader finds it."""
        def lookup(driver):
            for element in driver.find_elements(By.TAG_NAME, "label"):
                try:
                    if element.text.strip() == label and element.is_displayed():
                        target = element.get_attribute("for")
                        if target:
                            return driver.find_element(By.ID, target)
                        return element.find_element(By.CSS_SELECTOR, "input, select, textarea")
                except StaleElementReferenceException:
                    continue
            # Toolbar filters are named by aria-label rather than a visible label.
            for element in driver.find_elements(By.CSS_SELECTOR, "input[aria-label], select[aria-label], textarea[aria-label]"):
                try:
                    if element.get_attribute("aria-label") == label and element.is_displayed():
                        return element
                except StaleElementReferenceException:
                    continue
            return False
        return WebDriverWait(self.driver, timeout).until(lookup)

    def fill(self, label, value):
        element = self.field(label)
        element.clear()
        element.send_keys(value)
        return element

    def choose(self, label, visible_text):
        Select(self.field(label)).select_by_visible_text(visible_text)

    def tick(self, label, on=True):
        element = self.field(label)
        if element.is_selected() != on:
            element.click()
        return element

    def button(self, text, timeout=15):
        def lookup(driver):
            for element in driver.find_elements(By.CSS_SELECTOR, "button, a.button"):
                try:
                    if element.is_displayed() and element.is_enabled() and (element.text.strip() == text or element.get_attribute("aria-label") == text):
                        return element
                except StaleElementReferenceException:
                    continue
            return False
        return WebDriverWait(self.driver, timeout).until(lookup)

    def click(self, text):
        self.button(text).click()

    def link(self, text, timeout=15):
        return WebDriverWait(self.driver, timeout).until(EC.element_to_be_clickable((By.LINK_TEXT, text)))

    def wait_text(self, text, css="main", timeout=30):
        """Waits until `text` appears in the element (the view by default), without a reload."""
        def present(driver):
            try:
                return any(text in element.text for element in driver.find_elements(By.CSS_SELECTOR, css))
            except StaleElementReferenceException:
                return False
        try:
            WebDriverWait(self.driver, timeout).until(present)
        except TimeoutException:
            raise AssertionError(f"{text!r} did not appear in {css} within {timeout} s; it reads:\n" +
                                 " | ".join(e.text for e in self.driver.find_elements(By.CSS_SELECTOR, css))[:3000])

    def wait_gone(self, text, css="main", timeout=30):
        """Waits until `text` is in no element matching `css`; a view redrawn meanwhile is read again."""
        def gone(driver):
            try:
                return all(text not in element.text for element in driver.find_elements(By.CSS_SELECTOR, css))
            except StaleElementReferenceException:
                return False
        try:
            WebDriverWait(self.driver, timeout).until(gone)
        except TimeoutException:
            raise AssertionError(f"{text!r} is still in {css} after {timeout} s")

    def field_error(self, label, timeout=15):
        """The error shown beside the field labelled `label`."""
        element = self.field(label)
        error_id = element.get_attribute("id") + "-error"
        WebDriverWait(self.driver, timeout).until(lambda d: d.find_element(By.ID, error_id).is_displayed())
        return self.driver.find_element(By.ID, error_id).text

    def dialog_close(self):
        self.driver.find_element(By.TAG_NAME, "body").send_keys(Keys.ESCAPE)

    # ---------- evidence

    def screenshot(self, name):
        path = os.path.join(SCREENSHOTS, re.sub(r"[^a-z0-9_-]+", "-", name.lower()) + ".png")
        self.driver.save_screenshot(path)
        return path

    def collect_log(self):
        """Keeps the browser's errors: uncaught exceptions and requests that failed (4xx, 5xx)."""
        try:
            entries = self.driver.get_log("browser")
        except Exception:
            return
        for entry in entries:
            if entry["level"] != "SEVERE":
                continue
            message = entry["message"]
            if any(expected in message for expected in self.expected_failures):
                continue
            self.problems.append(message)

    def assert_clean(self):
        self.collect_log()
        assert not self.problems, "the portal logged errors:\n" + "\n".join(self.problems)

    def timing(self):
        """Milliseconds from navigation start to the view's first complete render."""
        return self.driver.execute_script("""
            const mark = performance.getEntriesByName('berth-rendered')[0];
            return mark ? mark.startTime : null;""")
