"""The portal in a real browser: Debian's headless Chromium driven by Selenium (chromedriver given by path, so
nothing is downloaded), axe-core (bundled by axe-selenium-python) on every page visited, in French and English,
at a phone's width (390×844) and a desktop's (1280×800). Each journey clicks and types as a person would and
keeps a screenshot of each page under the run's artifacts folder. Ends with the two summary lines CI greps:
`browser: <N> journeys, <F> failed` and `axe: <P> pages, <V> violations`."""
import json
import pathlib
import traceback
import urllib.parse

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
WIDTHS = {"phone": (390, 844), "desktop": (1280, 800)}


class Browser:
    def __init__(self, base, artifacts, width):
        options = Options()
        options.binary_location = "/usr/bin/chromium"
        w, h = WIDTHS[width]
        for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", f"--window-size={w},{h}", "--lang=fr-CA",
                         "--accept-lang=fr-CA,fr"):
            options.add_argument(argument)
        # A browser set to French, as most of Quebec's: the portal answers in the browser's language first.
        options.add_experimental_option("prefs", {"intl.accept_languages": "fr-CA,fr"})
        self.driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        self.base, self.artifacts, self.width = base.rstrip("/"), artifacts, width
        self.audited, self.violations, self.shots = set(), [], 0

    def close(self):
        self.driver.quit()

    def open(self, path):
        self.driver.get(self.base + path)
        self.page_checks()

    def click(self, text):
        self.navigate(lambda: self.driver.find_element(By.LINK_TEXT, text).click())

    def navigate(self, action):
        """Does what leads to another page, waits until the old one is gone and the new one loaded, checks it."""
        from selenium.webdriver.support import expected_conditions
        from selenium.webdriver.support.ui import WebDriverWait
        old = self.driver.find_element(By.TAG_NAME, "html")
        action()
        WebDriverWait(self.driver, 10).until(expected_conditions.staleness_of(old))
        WebDriverWait(self.driver, 10).until(lambda d: d.execute_script("return document.readyState") == "complete")
        self.page_checks()

    def page_checks(self):
        """What every page must be: its language declared, a title, one h1, every field labelled (axe accepts a
        placeholder as a label; people do not), no horizontal scrolling on a phone, then axe's WCAG rules."""
        d = self.driver
        lang = d.find_element(By.TAG_NAME, "html").get_attribute("lang")
        assert lang in ("fr", "en"), f"{d.current_url}: html lang is {lang!r}"
        assert d.title.strip(), f"{d.current_url}: no title"
        assert len(d.find_elements(By.TAG_NAME, "h1")) == 1, f"{d.current_url}: not exactly one h1"
        for field in d.find_elements(By.CSS_SELECTOR, "input:not([type=hidden]), select, textarea"):
            ident = field.get_attribute("id")
            labelled = (ident and d.find_elements(By.CSS_SELECTOR, f"label[for='{ident}']")) or field.get_attribute("aria-labelledby")
            assert labelled, f"{d.current_url}: a field without a label ({field.get_attribute('name')})"
        if self.width == "phone":
            overflow = d.execute_script("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"{d.current_url}: scrolls {overflow}px sideways at 390px"
        self.shots += 1
        name = f"{self.shots:02d}-{self.width}-{lang}-" + (urllib.parse.urlparse(d.current_url).path.strip("/").replace("/", "_") or "home")
        d.save_screenshot(str(self.artifacts / f"{name[:80]}.png"))
        key = (urllib.parse.urlparse(d.current_url).path.split("/")[1:3].__str__(), lang, self.width)
        if key in self.audited:
            return
        self.audited.add(key)
        from axe_selenium_python import Axe
        axe = Axe(d)
        axe.inject()
        result = axe.run(options=json.dumps({"runOnly": {"type": "tag", "values": WCAG_TAGS}}))
        for violation in result["violations"]:
            self.violations.append(f"{d.current_url} [{lang}, {self.width}] {violation['id']}: {violation['help']} "
                                   f"({len(violation['nodes'])} nodes: {violation['nodes'][0]['target']})")


def browse_the_catalogue(browser, expect):
    """A parent on a phone: opens Guichet, searches without accents, narrows to seats left, opens an activity,
    reads it in English, comes back to the catalogue in English."""
    d = browser.driver
    browser.open("/")
    assert "/activites" in d.current_url, f"/ did not lead to the catalogue: {d.current_url}"
    assert d.find_element(By.TAG_NAME, "h1").text == "Activités et cours"
    field = d.find_element(By.ID, "q")
    field.clear()
    field.send_keys(expect["search"])
    browser.navigate(lambda: d.find_element(By.CSS_SELECTOR, "form.search button[type=submit]").click())
    titles = [a.text for a in d.find_elements(By.CSS_SELECTOR, "li.offering h3 a")]
    assert expect["title_fr"] in titles, f"searching {expect['search']!r} found {titles}"
    d.find_element(By.ID, "hasSeats").click()
    Select(d.find_element(By.ID, "sort")).select_by_value("price")
    browser.navigate(lambda: d.find_element(By.CSS_SELECTOR, "form.search button[type=submit]").click())
    assert "hasSeats=true" in d.current_url and "sort=price" in d.current_url, d.current_url
    browser.click(expect["title_fr"])
    assert d.find_element(By.TAG_NAME, "h1").text == expect["title_fr"]
    body = d.find_element(By.TAG_NAME, "main").text.replace("\xa0", " ")
    assert expect["price_fr"] in body, f"the French price {expect['price_fr']!r} is not on the page"
    browser.click("English")
    assert d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    assert d.find_element(By.TAG_NAME, "h1").text == expect["title_en"], "the English title"
    assert expect["price_en"] in d.find_element(By.TAG_NAME, "main").text.replace("\xa0", " "), f"the English price {expect['price_en']!r}"
    browser.click("Back to activities")
    assert d.find_element(By.TAG_NAME, "h1").text == "Activities and courses", "the language is remembered"
    browser.open("/activites/00000000-0000-4000-8000-000000000000")
    assert d.find_element(By.TAG_NAME, "h1").text == "Page not found"
    browser.click("Français")
    assert d.find_element(By.TAG_NAME, "h1").text == "Page introuvable"


def keyboard_only(browser, expect):
    """The same search with the keyboard alone: Tab to the field, type, Enter; Tab to the result, Enter."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys
    d = browser.driver

    def press(*keys):
        ActionChains(d).send_keys(*keys).perform()  # a new chain each time: a chain replays what it holds

    def focused(attribute=None):
        try:
            element = d.switch_to.active_element
            return element.get_attribute(attribute) if attribute else element.text
        except StaleElementReferenceException:
            return None

    def tab_to(matches, limit):
        for _ in range(limit):
            press(Keys.TAB)
            if matches():
                return True
        return False

    browser.open("/activites")
    assert tab_to(lambda: focused("id") == "q", 30), "Tab never reached the keywords field"
    browser.navigate(lambda: press(expect["search"], Keys.ENTER))
    assert tab_to(lambda: focused() == expect["title_fr"], 40), "Tab never reached the result"
    browser.navigate(lambda: press(Keys.ENTER))
    assert d.find_element(By.TAG_NAME, "h1").text == expect["title_fr"]


def run(base, artifacts, expect):
    """Runs every journey at both widths; returns (journeys, failures, pages audited, violations)."""
    artifacts = pathlib.Path(artifacts)
    artifacts.mkdir(parents=True, exist_ok=True)
    journeys, failures, pages, violations = 0, [], 0, []
    for width in WIDTHS:
        browser = Browser(base, artifacts, width)
        try:
            for journey in (browse_the_catalogue, keyboard_only):
                if journey is keyboard_only and width == "phone":
                    continue
                journeys += 1
                browser.driver.delete_all_cookies()
                try:
                    journey(browser, expect)
                except Exception as error:  # one journey's failure does not hide the others'
                    failures.append(f"{journey.__name__} at {width}: {error}\n{traceback.format_exc(limit=3)}")
        finally:
            pages += len(browser.audited)
            violations += browser.violations
            browser.close()
    print(f"browser: {journeys} journeys, {len(failures)} failed")
    print(f"axe: {pages} pages, {len(violations)} violations")
    return journeys, failures, pages, violations
