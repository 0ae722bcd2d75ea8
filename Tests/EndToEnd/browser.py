"""The portal in a real browser: Debian's headless Chromium driven by Selenium (chromedriver given by path, so
nothing is downloaded), axe-core (bundled by axe-selenium-python) on every page visited, in French and English,
at a phone's width (390×844) and a desktop's (1280×800). Each journey clicks and types as a person would and
keeps a screenshot of each page under the run's artifacts folder. Ends with the two summary lines CI greps:
`browser: <N> journeys, <F> failed` and `axe: <P> pages, <V> violations`."""
import datetime
import json
import pathlib
import re
import time
import traceback
import urllib.parse

from second_factor import totp  # deploy/demo/second_factor.py, on the path e2e.py sets: TOTP as an app computes it
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
WIDTHS = {"phone": (390, 844), "desktop": (1280, 800)}


def detached(element):
    """Whether the page that held `element` is gone. Chromium reports a node of a page it is replacing either as
    stale or as "does not belong to the document" (an inspector race); both mean the old page has left."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
    try:
        element.is_enabled()
        return False
    except StaleElementReferenceException:
        return True
    except WebDriverException as error:
        if "does not belong to the document" in str(error):
            return True
        raise


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
        from selenium.webdriver.support.ui import WebDriverWait
        from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
        old = self.driver.find_element(By.TAG_NAME, "html")
        try:
            action()
        except StaleElementReferenceException:
            action()  # found on the page before it settled: find it again
        except WebDriverException as error:
            # The click went through and the page was already leaving when chromedriver looked at the node again:
            # the navigation is under way (clicking again would post the form twice).
            if "does not belong to the document" not in str(error):
                raise
        WebDriverWait(self.driver, 10).until(lambda _: detached(old))
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
        # Once per kind of page, language and width: the staff area's pages by their shape (identifiers aside).
        path = urllib.parse.urlparse(d.current_url).path
        shape = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "{id}", path)
        key = (shape if path.startswith("/staff") else str(path.split("/")[1:3]), lang, self.width)
        if key in self.audited:
            return
        self.audited.add(key)
        from axe_selenium_python import Axe
        axe = Axe(d)
        axe.inject()
        # A framed page (the processor's card entry) is audited too: axe reaches into frames that run it.
        for frame in d.find_elements(By.TAG_NAME, "iframe"):
            d.switch_to.frame(frame)
            try:
                axe.inject()
            finally:
                d.switch_to.default_content()
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
    assert "Prévoyez un lunch froid" in body, "the description, in French"
    letter = d.find_element(By.PARTIAL_LINK_TEXT, "Lettre aux parents (PDF").get_attribute("href")
    fetched = d.execute_async_script(
        "const done = arguments[arguments.length - 1]; fetch(arguments[0]).then(r => done([r.status, r.headers.get('content-type')]))", letter)
    assert fetched == [200, "application/pdf"], f"the letter to parents: {fetched}"
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


def fill(browser, values):
    """Types into each field by its label's `for`, as a person would (clearing what is there first)."""
    d = browser.driver
    for name, value in values.items():
        field = d.find_element(By.ID, name)
        if field.get_attribute("type") == "checkbox":
            if field.is_selected() != bool(value):
                field.click()
            continue
        field.clear()
        field.send_keys(value)


def submit(browser, label=None):
    d = browser.driver

    def press():
        buttons = d.find_elements(By.CSS_SELECTOR, "main form button[type=submit]")
        next(b for b in buttons if label is None or b.text.replace("\xa0", " ") == label).click()
    browser.navigate(press)


def heading(browser):
    return browser.driver.find_element(By.TAG_NAME, "h1").text


def main_text(browser):
    return browser.driver.find_element(By.TAG_NAME, "main").text.replace("\xa0", " ")


def no_secrets_in_page(browser):
    """Identity's tokens (JWTs start `eyJ`) never reach a page; the session and form cookies are HttpOnly."""
    d = browser.driver
    assert "eyJ" not in d.page_source, f"{d.current_url}: a token in the page"
    for cookie in d.get_cookies():
        if cookie["name"].startswith(("guichet_session", "guichet_form", "__Host-")):
            assert cookie["httpOnly"] and cookie.get("sameSite") == "Lax", f"cookie {cookie['name']}: {cookie}"


def mozaik_sign_up_by_code(browser, expect):
    """Mozaïk: a parent on a phone creates an account (the password rules read first, a weak password refused with
    every reason at once), confirms it with the mailed code, signs in for 14 days, signs out, forgets the password,
    resets it with the mailed code, and signs in with the new one."""
    d, mail = browser.driver, expect["mail"]
    email = f"parent.{browser.width}@e2e.test"
    browser.open("/activites")
    browser.click("Me connecter")
    browser.click("Créer un compte")
    assert heading(browser) == "Créer un compte"
    rules = [li.text for li in d.find_elements(By.CSS_SELECTOR, "#password-rules li")]
    assert "Au moins 8 caractères." in rules, f"the rules before typing: {rules}"
    assert d.find_element(By.ID, "consent-preamble").text, "the consent text is shown"
    fill(browser, {"firstName": "Sophie", "lastName": "Lavoie", "email": email, "birthDate": "1984-09-17", "password": "abc"})
    submit(browser)
    summary = d.find_element(By.CSS_SELECTOR, ".error-summary").text
    assert "Au moins 8 caractères." in summary and "Au moins 3 de ces 4 types" in summary, f"every rule at once: {summary}"
    assert "Erreur" in d.title, f"the title says there are errors: {d.title}"
    assert d.find_element(By.ID, "firstName").get_attribute("value") == "Sophie", "what was typed is kept"
    assert d.find_element(By.ID, "password").get_attribute("aria-invalid") == "true"
    # Without consent (the first refusal happened before identity could check it): said next to the box.
    fill(browser, {"password": expect["password"]})
    submit(browser)
    assert d.find_element(By.ID, "consent").get_attribute("aria-invalid") == "true", "consent is asked"
    fill(browser, {"password": expect["password"], "consent": True})
    submit(browser)
    assert heading(browser) == "Confirmer mon adresse courriel", heading(browser)
    code = re.search(r"\b(\d{6})\b", mail(email, "code")).group(1)
    fill(browser, {"code": code})
    submit(browser)
    assert "Votre adresse est confirmée" in main_text(browser)
    fill(browser, {"email": email, "password": expect["password"], "staySignedIn": True})
    submit(browser)
    assert heading(browser) == "Mon compte", heading(browser)
    link_a_child_by_file_number(browser, expect)
    browser.click("Mon compte")
    assert "Sophie Lavoie" in main_text(browser) and email in main_text(browser)
    session = next(c for c in d.get_cookies() if "guichet_session" in c["name"])
    assert session.get("expiry", 0) > time.time() + 13 * 24 * 3600, f"stay signed in 14 days: {session}"
    no_secrets_in_page(browser)
    submit(browser, "Me déconnecter")
    assert heading(browser) == "Session fermée"
    assert not any("guichet_session" in c["name"] for c in d.get_cookies())
    browser.open("/compte")
    assert heading(browser) == "Me connecter", "the account needs signing in again"
    browser.click("Mot de passe oublié?")
    fill(browser, {"email": email})
    submit(browser)
    assert heading(browser) == "Entrer le code reçu"
    code = re.search(r"\b(\d{6})\b", mail(email, "Réinitialisation")).group(1)
    fill(browser, {"code": code})
    submit(browser)
    assert heading(browser) == "Choisir un nouveau mot de passe"
    no_secrets_in_page(browser)
    fill(browser, {"newPassword": expect["password"] + "-2"})
    submit(browser)
    assert "Votre mot de passe est changé" in main_text(browser)
    fill(browser, {"email": email, "password": expect["password"] + "-2"})
    submit(browser)
    assert heading(browser) == "Mon compte"


def link_a_child_by_file_number(browser, expect):
    """Mozaïk and Baie-Comeau: the child's file linked by organisation, file number and birth date. A wrong number
    is refused without saying which field was wrong; the right one shows the child with the school's data; the
    child's page explains the health fields."""
    d, child = browser.driver, expect["child"]
    browser.click("Mes enfants et ma famille")
    assert "Aucun enfant" in main_text(browser)
    browser.click("Lier le dossier d'un enfant")
    Select(d.find_element(By.ID, "organisationId")).select_by_visible_text(child["organisation"])
    fill(browser, {"fileNumber": "0000000", "birthDate": child["birthDate"]})
    submit(browser)
    assert d.find_elements(By.CSS_SELECTOR, ".error-summary"), "a wrong number is refused"
    assert Select(d.find_element(By.ID, "organisationId")).first_selected_option.text == child["organisation"], "the choice is kept"
    fill(browser, {"fileNumber": child["fileNumber"]})
    submit(browser)
    assert "Le dossier est lié" in main_text(browser), main_text(browser)
    browser.click(child["name"])
    assert heading(browser) == child["name"]
    assert "3e année" in main_text(browser) and "Santé" in main_text(browser) and "chiffrés" in main_text(browser)
    expect.setdefault("child_urls", []).append(urllib.parse.urlparse(d.current_url).path)
    # The cart: the outing for Léo, priced for this family; then taken out again.
    browser.open("/activites?q=zoo+granby")
    browser.click(expect["title_fr"])
    Select(d.find_element(By.ID, "participantId")).select_by_visible_text(child["name"])
    submit(browser, "Ajouter au panier")
    assert heading(browser) == "Mon panier", heading(browser)
    text = main_text(browser)
    assert "L'activité est ajoutée" in text and expect["price_fr"] in text and child["name"] in text, text
    no_secrets_in_page(browser)
    browser.navigate(lambda: d.find_element(By.CSS_SELECTOR, "form.secondary button").click())
    assert "Votre panier est vide" in main_text(browser), main_text(browser)


def card_in_frame(browser, number):
    """Types a card into the processor's framed page (its own origin, so the portal never sees the number), presses
    its button, and returns what the portal's page then says of the card chosen."""
    from selenium.webdriver.support.ui import WebDriverWait
    d = browser.driver
    frame = d.find_element(By.CSS_SELECTOR, ".card-entry iframe")
    framed, page = urllib.parse.urlparse(frame.get_attribute("src")), urllib.parse.urlparse(d.current_url)
    assert framed.netloc != page.netloc, f"the card entry must be the processor's page, not the portal's: {framed.netloc}"
    d.switch_to.frame(frame)
    try:
        expiry = f"12/{(time.gmtime().tm_year + 3) % 100:02d}"
        for field, value in (("number", number), ("expiry", expiry), ("cvc", "123")):
            d.find_element(By.ID, field).clear()
            d.find_element(By.ID, field).send_keys(value)
        d.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        WebDriverWait(d, 10).until(lambda _: d.find_element(By.ID, "card-status").text or d.find_element(By.ID, "card-error").text)
        assert not d.find_element(By.ID, "card-error").text, d.find_element(By.ID, "card-error").text
    finally:
        d.switch_to.default_content()
    WebDriverWait(d, 10).until(lambda _: d.find_element(By.ID, "card-chosen").text)
    return d.find_element(By.ID, "card-chosen").text


def pay_for_the_cart(browser, expect):
    """CAL and CSSPO: Mozaïk's parent (signed up above) puts the outing in the cart for the linked child, accepts
    its contract, holds the seat, reviews what is paid and until when the seat is held, asks for more time, presses "Pay" before
    entering a card (told to enter it), types a declined card in the processor's frame (said on the page, nothing
    paid), then a good one; then the payment's page, the receipt reached from the mailed link, and the history.
    The phone's parent pays for the outing, the desktop's (the child's other guardian) for a day camp, which it
    then cancels with the refund shown first; the phone's then chooses lunches by quantity (CSSPO) and sees them
    priced in the cart."""
    d, child, mail = browser.driver, expect["child"], expect["mail"]
    search, title = expect["paid"][browser.width]
    email = f"parent.{browser.width}@e2e.test"
    browser.open("/connexion")
    fill(browser, {"email": email, "password": expect["password"] + "-2"})
    submit(browser)
    assert heading(browser) == "Mon compte", heading(browser)
    browser.open("/activites?q=" + urllib.parse.quote_plus(search))
    browser.click(title)
    Select(d.find_element(By.ID, "participantId")).select_by_visible_text(child["name"])
    submit(browser, "Ajouter au panier")
    while d.find_elements(By.CSS_SELECTOR, "form.contract"):
        form = d.find_element(By.CSS_SELECTOR, "form.contract")
        form.find_element(By.CSS_SELECTOR, "input[type=checkbox]").click()
        browser.navigate(lambda: form.find_element(By.CSS_SELECTOR, "button").click())
    total = d.find_element(By.CSS_SELECTOR, "ul.totals li p").text.replace("\xa0", " ").split(" — ")[-1]
    browser.navigate(lambda: d.find_element(By.CSS_SELECTOR, "ul.totals button").click())
    assert heading(browser) == "Payer mes inscriptions", f"{heading(browser)}: {main_text(browser)}"
    text = main_text(browser)
    assert child["name"] in text and total in text and "Vos places sont retenues jusqu'à" in text, text
    assert d.find_element(By.ID, "hold-remaining").text.startswith("(il reste environ"), "the script counts the minutes"
    submit(browser, "Demander plus de temps")  # WCAG 2.2.1: more time, asked for by a button
    assert "Le délai est prolongé" in main_text(browser) and "Prolongations possibles : 9" in main_text(browser), main_text(browser)
    fill(browser, {"name": "Sophie Lavoie", "line1": "12, rue des Érables", "city": "Gatineau", "postalCode": "J8Y 3R4"})
    submit(browser, f"Payer {total}")
    assert "Entrez votre carte" in d.find_element(By.CSS_SELECTOR, ".error-summary").text, "a card is asked for"
    assert d.find_element(By.ID, "city").get_attribute("value") == "Gatineau", "the address typed is kept"
    assert "0002" in card_in_frame(browser, "4000000000000002")
    submit(browser, f"Payer {total}")
    summary = d.find_element(By.CSS_SELECTOR, ".error-summary").text
    assert "refusée" in summary and "Rien n'a été payé" in summary, f"a declined card is said: {summary}"
    assert "Visa se terminant par 4242" in card_in_frame(browser, "4242424242424242")
    submit(browser, f"Payer {total}")
    assert heading(browser) == "Paiement accepté", heading(browser)
    assert "4242424242424242" not in d.page_source and "Visa se termine par 4242" in main_text(browser)
    no_secrets_in_page(browser)
    link = re.search(r"(http://\S+/paiements/[0-9a-f-]{36}/recu)", mail(email, "Paiement reçu")).group(1)
    browser.open(urllib.parse.urlparse(link).path)
    assert heading(browser).startswith("Reçu "), heading(browser)
    text = main_text(browser)
    assert child["name"] in text and total in text and "Sophie Lavoie" in text, text
    browser.click("Mes paiements")
    assert "Payé" in main_text(browser) and total in main_text(browser), main_text(browser)
    # The child's page lists what this guardian paid for the child (CSSPO's history per child).
    browser.click("Mes enfants et ma famille")
    browser.click(child["name"])
    assert "Paiements pour cet enfant" in main_text(browser) and title in main_text(browser), main_text(browser)
    if browser.width == "desktop":
        # The day camp given up before it starts: the refund its policy gives (less the 5 $ fee) is shown first.
        browser.click("Mon compte")
        browser.click("Mes inscriptions")
        browser.navigate(lambda: d.find_element(By.CSS_SELECTOR, "a[href$='/annulation']").click())
        assert heading(browser) == "Annuler l'inscription", heading(browser)
        assert "seront remboursés sur la carte" in main_text(browser), main_text(browser)
        submit(browser, "Confirmer l'annulation")
        assert "L'inscription est annulée" in main_text(browser) and "Annulée" in main_text(browser), main_text(browser)
    if browser.width == "phone":
        # CSSPO: lunches per date bought by quantity, their total kept live by the page's script, then in the cart.
        browser.open("/activites?q=macaroni")
        browser.click("Campagne de financement — dîners macaroni")
        Select(d.find_element(By.ID, "participantId")).select_by_visible_text(child["name"])
        quantities = d.find_elements(By.CSS_SELECTOR, "input[data-unit-cents]")
        assert len(quantities) == 3, f"{len(quantities)} dates"
        for field, count in ((quantities[0], "2"), (quantities[2], "1")):
            field.clear()
            field.send_keys(count)
        live = d.find_element(By.ID, "items-total").text.replace("\xa0", " ").replace("\u202f", " ")
        assert live == "16,50 $", f"the live total: {live!r}"
        submit(browser, "Ajouter au panier")
        text = main_text(browser)
        assert "2 × Macaroni" in text and "1 × Macaroni" in text and "16,50 $" in text, text


def cancellation_credit_note_and_statement(browser, expect):
    """The money documents a family keeps: at a desk, the guardian who gave up the day camp (above) reads the
    cancellation's notice (the policy applied, the refund to come) and the refund's mail, opens the credit note from
    it (printable, in French and English), finds the refund on the registrations page, then the year's statement with
    its receipt and credit note, for the whole family and for the child. On a phone, the other guardian's statement
    holds only their own payment."""
    d, child, sink = browser.driver, expect["child"], expect["sink"]
    email = f"parent.{browser.width}@e2e.test"
    browser.open("/connexion")
    fill(browser, {"email": email, "password": expect["password"] + "-2"})
    submit(browser)
    if browser.width == "desktop":
        notice = sink.wait(email, "Inscription annulée")["text"].replace("\xa0", " ").replace("\u202f", " ")
        assert "est annulée à votre demande" in notice and child["name"] in notice, notice
        assert "Politique de remboursement de l'activité : " in notice and "seront remboursés sur la carte qui a payé" in notice, notice
        refund = sink.wait(email, "Remboursement de", timeout=60)
        text = refund["text"].replace("\xa0", " ")
        assert "suit l'annulation que vous avez faite" in text and child["name"] in text, text
        link = re.search(r"(http://\S+/paiements/[0-9a-f-]{36}/remboursements/[0-9a-f-]{36})", text).group(1)
        number = re.search(r"note de crédit (\S+)\)", refund["subject"]).group(1)
        browser.open(urllib.parse.urlparse(link).path)
        assert heading(browser) == f"Note de crédit {number}", heading(browser)
        page = main_text(browser).replace("\xa0", " ")
        assert "Annulation faite par vous" in page and child["name"] in page and "Inscriptions visées" in page, page
        note = urllib.parse.urlparse(d.current_url).path
        browser.open(f"/language/en?back={note}")
        assert heading(browser) == f"Credit note {number}" and "Cancellation you made" in main_text(browser), main_text(browser)
        browser.open(f"/language/fr?back={note}")
        # The registrations page: who cancelled, the policy, and the refund made, with its credit note.
        for _ in range(15):  # enrolment hears of the completed refund through an event
            browser.open("/inscriptions")
            cancelled = [li for li in d.find_elements(By.CSS_SELECTOR, "li.line") if "Annulée à votre demande" in li.text]
            if cancelled and cancelled[0].find_elements(By.CSS_SELECTOR, "a[href*='/remboursements/']"):
                break
            time.sleep(1)
        assert cancelled, main_text(browser)
        line = cancelled[0].text.replace("\xa0", " ")
        assert "frais d'administration" in line and "remboursés" in line, line
        browser.navigate(cancelled[0].find_element(By.CSS_SELECTOR, "a[href*='/remboursements/']").click)
        assert heading(browser) == f"Note de crédit {number}", heading(browser)
    browser.click("Mon compte")
    browser.click("Mes paiements")
    browser.click("État de compte de l'année")
    assert heading(browser).startswith("État de compte "), heading(browser)
    rows = table_rows(browser)
    receipts = [r for r in rows if "Reçu" in r]
    notes = [r for r in rows if "Note de crédit" in r]
    assert len(receipts) == 1 and child["name"] in receipts[0], rows
    assert len(notes) == (1 if browser.width == "desktop" else 0), rows
    assert "Payé, moins les remboursements" in main_text(browser), main_text(browser)
    Select(d.find_element(By.ID, "enfant")).select_by_visible_text(child["name"])
    submit(browser, "Afficher l'état de compte")
    assert heading(browser).endswith(f" — {child['name']}"), heading(browser)
    assert table_rows(browser) == rows, "every line is the child's"
    statement = urllib.parse.urlparse(d.current_url)
    browser.open(f"/language/en?back={urllib.parse.quote(statement.path + '?' + statement.query)}")
    assert heading(browser).endswith(f" statement — {child['name']}") and "Paid, less refunds" in main_text(browser), heading(browser)
    browser.open("/language/fr?back=/paiements")


def waitlist_offer(browser, expect):
    """A full workshop's waiting list: Mozaïk's parent puts the child on it (position 1); the family holding the
    only seat gives it up; the seat is offered to the child, taken into the cart, and held at checkout."""
    from selenium.webdriver.support.ui import WebDriverWait
    d, child = browser.driver, expect["child"]
    browser.open("/connexion")
    fill(browser, {"email": f"parent.{browser.width}@e2e.test", "password": expect["password"] + "-2"})
    submit(browser)
    browser.open("/activites?q=robotique")
    browser.click("Atelier de robotique")
    assert "Groupe complet" in main_text(browser), main_text(browser)
    Select(d.find_element(By.ID, "waitlistParticipantId")).select_by_visible_text(child["name"])
    submit(browser, "M'inscrire sur la liste d'attente")
    assert heading(browser) == "Mes listes d'attente", heading(browser)
    assert "En attente, position 1" in main_text(browser), main_text(browser)
    expect["free_the_seat"]()

    def offered(_):
        browser.open("/listes-attente")
        return "Une place vous est offerte" in main_text(browser)
    WebDriverWait(d, 30, poll_frequency=1).until(offered)
    browser.navigate(lambda: d.find_element(By.CSS_SELECTOR, "form[action$='/reserver'] button").click())
    text = main_text(browser)
    assert "La place offerte est dans votre panier" in text and "Atelier de robotique" in text, text
    browser.navigate(lambda: d.find_element(By.CSS_SELECTOR, "ul.totals button").click())
    assert heading(browser) == "Payer mes inscriptions", f"{heading(browser)}: {main_text(browser)}"
    assert "Atelier de robotique" in main_text(browser), "the offered seat is held at checkout"


def csspo_guest(browser, expect):
    """CSSPO: a guest registers a child to the lunches without an account (a missing birth date refused first, what
    was typed kept), chooses quantities per date with a live total, pays in the processor's frame, and opens the
    receipt from the mailed link in the same browser."""
    d, mail = browser.driver, expect["mail"]
    email = f"invite.{browser.width}@e2e.test"
    browser.open("/activites?q=macaroni")
    browser.click("Campagne de financement — dîners macaroni")
    browser.click("S'inscrire sans compte")
    assert heading(browser).startswith("S'inscrire sans compte"), heading(browser)
    fill(browser, {"email": email, "firstName": "Sophie", "lastName": "Roy", "childFirstName": "Léo", "childLastName": "Roy"})
    quantities = d.find_elements(By.CSS_SELECTOR, "input[data-unit-cents]")
    assert len(quantities) == 3, f"{len(quantities)} dates"
    for field, count in zip(quantities, ("2", "3", "1")):
        field.clear()
        field.send_keys(count)
    live = d.find_element(By.ID, "items-total").text.replace("\xa0", " ").replace("\u202f", " ")
    assert live == "33,00 $", f"the live total: {live!r}"
    submit(browser, "Réserver la place et payer")
    assert d.find_element(By.ID, "childBirthDate").get_attribute("aria-invalid") == "true", "the birth date is asked for"
    assert d.find_element(By.ID, "childFirstName").get_attribute("value") == "Léo", "what was typed is kept"
    fill(browser, {"childBirthDate": expect["child"]["birthDate"]})
    submit(browser, "Réserver la place et payer")
    assert heading(browser) == "Payer mes inscriptions", f"{heading(browser)}: {main_text(browser)}"
    assert "Léo Roy" in main_text(browser) and "33,00 $" in main_text(browser), main_text(browser)
    fill(browser, {"name": "Sophie Roy", "line1": "3, rue Principale", "city": "Gatineau", "postalCode": "J9H 1A1"})
    assert "4242" in card_in_frame(browser, "4242424242424242")
    submit(browser, "Payer 33,00 $")
    assert heading(browser) == "Paiement accepté", f"{heading(browser)}: {main_text(browser)}"
    no_secrets_in_page(browser)
    assert not d.find_elements(By.LINK_TEXT, "Mes paiements"), "a guest has no account's pages"
    link = re.search(r"(http://\S+/invite/paiements/[0-9a-f-]{36}/recu)", mail(email, "Paiement reçu")).group(1)
    browser.open(urllib.parse.urlparse(link).path)
    assert heading(browser).startswith("Reçu "), heading(browser)
    assert "Léo Roy" in main_text(browser) and "33,00 $" in main_text(browser), main_text(browser)
    # Done on a shared computer: the browser forgets the guest's receipt.
    submit(browser, "Terminé : effacer de ce navigateur")
    browser.open(urllib.parse.urlparse(link).path)
    assert heading(browser) == "Page introuvable dans ce navigateur", heading(browser)


# A person acting on a page, two ways: with a mouse (or a finger), or with the keyboard alone (Tab and Shift+Tab to
# move, Enter to follow a link or press a button, Space to tick, typing to fill). A journey written once against
# `go`, `tick`, `type`, `attach` and `card` runs either way; what to act on is a predicate on an element.
def link(text):
    return lambda e: e.tag_name == "a" and e.text.replace("\xa0", " ").strip() == text


def button(label):
    return lambda e: e.tag_name == "button" and e.text.replace("\xa0", " ").strip().startswith(label)


def field(ident):
    return lambda e: e.get_attribute("id") == ident


def css(browser, selector):
    return lambda e: browser.driver.execute_script("return arguments[0].matches(arguments[1])", e, selector)


FOCUSABLE = "a[href], button, input:not([type=hidden]), select, textarea, iframe"


class Mouse:
    def __init__(self, browser):
        self.browser, self.d = browser, browser.driver

    def find(self, matches):
        for element in self.d.find_elements(By.CSS_SELECTOR, FOCUSABLE):
            if element.is_displayed() and matches(element):
                return element
        raise AssertionError(f"{self.d.current_url}: nothing to act on")

    def go(self, matches):
        self.browser.navigate(lambda: self.find(matches).click())

    def tick(self, matches):
        self.find(matches).click()

    def type(self, values):
        fill(self.browser, values)

    def attach(self, matches, path):
        self.find(matches).send_keys(str(path))

    def card(self, number):
        return card_in_frame(self.browser, number)


class Keyboard:
    def __init__(self, browser):
        self.browser, self.d = browser, browser.driver

    def keys(self, *keys):
        from selenium.webdriver.common.action_chains import ActionChains
        ActionChains(self.d).send_keys(*keys).perform()  # a new chain each time: a chain replays what it holds

    def focused(self):
        from selenium.common.exceptions import StaleElementReferenceException
        try:
            return self.d.switch_to.active_element
        except StaleElementReferenceException:
            return None

    def tab_to(self, matches, limit=200):
        from selenium.webdriver.common.keys import Keys
        for _ in range(limit):
            self.keys(Keys.TAB)
            element = self.focused()
            if element is not None and matches(element):
                return element
        raise AssertionError(f"{self.d.current_url}: Tab never reached what it looked for")

    def go(self, matches):
        from selenium.webdriver.common.keys import Keys
        self.tab_to(matches)
        self.browser.navigate(lambda: self.keys(Keys.ENTER))

    def tick(self, matches):
        from selenium.webdriver.common.keys import Keys
        self.tab_to(matches)
        self.keys(Keys.SPACE)

    def type(self, values):
        from selenium.webdriver.common.keys import Keys
        from selenium.webdriver.common.action_chains import ActionChains
        for name, value in values.items():
            element = self.tab_to(field(name))
            if element.get_attribute("type") == "checkbox":
                if element.is_selected() != bool(value):
                    self.keys(Keys.SPACE)
                continue
            ActionChains(self.d).key_down(Keys.CONTROL).send_keys("a").key_up(Keys.CONTROL).send_keys(Keys.DELETE).perform()
            self.keys(value)

    def attach(self, matches, path):
        # A file is named by typing its path into the focused field: headless, no system dialog opens.
        self.tab_to(matches).send_keys(str(path))

    def card(self, number):
        """Tab into the processor's frame, type the card, Enter; the frame's own page says what was chosen."""
        from selenium.webdriver.support.ui import WebDriverWait
        from selenium.webdriver.common.keys import Keys
        d = self.d
        frame = self.tab_to(lambda e: e.tag_name == "iframe")
        expiry = f"12/{(time.gmtime().tm_year + 3) % 100:02d}"
        d.switch_to.frame(frame)
        try:
            for name, value in (("number", number), ("expiry", expiry), ("cvc", "123")):
                if (self.focused() is None) or self.focused().get_attribute("id") != name:
                    self.tab_to(field(name), limit=10)
                self.keys(value)
            self.keys(Keys.ENTER)
            WebDriverWait(d, 10).until(lambda _: d.find_element(By.ID, "card-status").text or d.find_element(By.ID, "card-error").text)
            assert not d.find_element(By.ID, "card-error").text, d.find_element(By.ID, "card-error").text
        finally:
            d.switch_to.default_content()
        WebDriverWait(d, 10).until(lambda _: d.find_element(By.ID, "card-chosen").text)
        return d.find_element(By.ID, "card-chosen").text


def cal_adult_learner(browser, expect):
    """CAL (CSSBE's summer courses): a learner creates an account, adds herself (a name typo corrected, a brother
    added by mistake removed), puts two courses in the cart, accepts each contract, attaches her intervention plan
    (a text file refused next to its field first), holds both seats in one checkout, pays by card in the processor's
    frame, then adds a plan to her other registration later and opens it. On a phone with taps; at a desktop's
    width with the keyboard alone (Tab, Enter, Space and typing: WCAG 2.1.1)."""
    from selenium.webdriver.support.ui import WebDriverWait
    d, mail = browser.driver, expect["mail"]
    person = Keyboard(browser) if browser.width == "desktop" else Mouse(browser)
    email = f"eleve.{browser.width}@e2e.test"
    first, last = ("Julie", "Tremblay") if browser.width == "phone" else ("Marc", "Gagnon")
    files = pathlib.Path(browser.artifacts)
    (files / "plan.pdf").write_bytes(b"%PDF-1.4\n% Plan d'intervention\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
    (files / "plan.txt").write_text("pas un PDF")
    browser.open("/compte/inscription")
    person.type({"firstName": first, "lastName": last, "email": email, "birthDate": "2008-03-14", "password": expect["password"]})
    person.tick(field("consent"))
    person.go(button("Créer mon compte"))
    assert heading(browser) == "Confirmer mon adresse courriel", heading(browser)
    person.type({"code": re.search(r"\b(\d{6})\b", mail(email, "code")).group(1)})
    person.go(button("Confirmer"))
    person.type({"email": email, "password": expect["password"]})
    person.go(button("Me connecter"))
    assert heading(browser) == "Mon compte", heading(browser)
    # Herself, with a typo in her first name, then corrected; her brother, added by mistake, removed.
    person.go(link("Mes enfants et ma famille"))
    person.go(link("Ajouter un enfant ou moi-même"))
    person.type({"firstName": first[:-2] + first[-1] + first[-2], "lastName": last, "birthDate": "2008-03-14"})
    person.go(button("Ajouter la personne"))
    assert "La personne est ajoutée" in main_text(browser), main_text(browser)
    person.go(link(f"{first[:-2] + first[-1] + first[-2]} {last}"))
    person.go(link("Corriger le nom ou la date de naissance"))
    assert d.find_element(By.ID, "birthDate").get_attribute("value") == "2008-03-14", "the form shows what is known"
    person.type({"firstName": first, "birthDate": "2008-13-14"})
    person.go(button("Enregistrer la correction"))
    assert d.find_element(By.ID, "birthDate").get_attribute("aria-invalid") == "true", "an impossible date is refused"
    person.type({"birthDate": "2008-03-14"})
    person.go(button("Enregistrer la correction"))
    assert heading(browser) == f"{first} {last}" and "Les renseignements sont corrigés" in main_text(browser), main_text(browser)
    person.go(link("Mes enfants et ma famille"))
    person.go(link("Ajouter un enfant ou moi-même"))
    person.type({"firstName": "Léo", "lastName": last, "birthDate": "2012-06-01"})
    person.go(button("Ajouter la personne"))
    person.go(link(f"Léo {last}"))
    person.go(link("Retirer cette personne de mon compte"))
    assert f"Léo {last} sera retiré" in main_text(browser), main_text(browser)
    person.go(button("Retirer de mon compte"))
    assert "La personne est retirée" in main_text(browser) and f"Léo {last}" not in main_text(browser), main_text(browser)
    # Two courses in the cart, each contract accepted.
    courses = ["Mathématiques, séquence culture, société et technique", "Science et environnement"]
    for search, title in zip(("mathematiques culture societe", "science environnement"), courses):
        person.go(link("Activités et cours"))
        person.type({"q": search})
        person.go(button("Rechercher"))
        person.go(link(title))
        assert Select(d.find_element(By.ID, "participantId")).first_selected_option.text == f"{first} {last}"
        person.go(button("Ajouter au panier"))
        assert heading(browser) == "Mon panier", heading(browser)
    while d.find_elements(By.CSS_SELECTOR, "form.contract"):
        person.tick(css(browser, "form.contract input[type=checkbox]"))
        person.go(button("Accepter le contrat"))
    # The plan: a text file refused next to its field, then the PDF attached to the first course.
    person.attach(css(browser, "input[type=file]"), files / "plan.txt")
    person.go(button("Joindre le plan"))
    plan_field = d.find_element(By.CSS_SELECTOR, "input[type=file]")
    assert plan_field.get_attribute("aria-invalid") == "true", "the refused file is said next to its field"
    assert "n'est pas accepté" in d.find_element(By.CSS_SELECTOR, ".error-summary").text and "Erreur" in d.title
    person.attach(css(browser, "input[type=file]"), files / "plan.pdf")
    person.go(button("Joindre le plan"))
    text = main_text(browser)
    assert "Le plan d'intervention est joint" in text and "PDF, 1 ko, déposé le" in text, text
    # One checkout for the organisation, paid by card.
    total = d.find_element(By.CSS_SELECTOR, "ul.totals li p").text.replace("\xa0", " ").split(" — ")[-1]
    person.go(css(browser, "ul.totals button"))
    assert heading(browser) == "Payer mes inscriptions", f"{heading(browser)}: {main_text(browser)}"
    assert all(course in main_text(browser) for course in courses), main_text(browser)
    person.type({"name": f"{first} {last}", "line1": "125, 1re Avenue", "city": "Saint-Georges", "postalCode": "G5Y 2C5"})
    assert "4242" in person.card("4242424242424242")
    person.go(button(f"Payer {total}"))
    assert heading(browser) == "Paiement accepté", f"{heading(browser)}: {main_text(browser)}"
    no_secrets_in_page(browser)
    # Later: a plan for the other course, once the registrations are confirmed.
    person.go(link("Mon compte"))
    person.go(link("Mes inscriptions"))

    def confirmed(_):
        browser.open("/inscriptions")
        return main_text(browser).count("Confirmée") >= 2
    WebDriverWait(d, 30, poll_frequency=1).until(confirmed)
    person.attach(css(browser, "li.line:not(:has(.plan ul)) input[type=file]"), files / "plan.pdf")
    person.go(css(browser, "li.line:not(:has(.plan ul)) .plan button"))
    assert "Le plan d'intervention est joint" in main_text(browser), main_text(browser)
    hrefs = [a.get_attribute("href") for a in d.find_elements(By.CSS_SELECTOR, ".plan a[href*='/documents/']")]
    assert len(hrefs) == 2, f"a plan listed under each registration: {hrefs}"
    opened = d.execute_async_script(
        "const done = arguments[arguments.length - 1]; fetch(arguments[0]).then(r => done([r.status, r.headers.get('content-type'), "
        "r.headers.get('content-disposition')]))", hrefs[0])
    assert opened[0] == 200 and opened[1] == "application/pdf" and opened[2].startswith("attachment"), opened
    expect.setdefault("document_urls", []).append(urllib.parse.urlparse(hrefs[0]).path)


def profile_asked_by_an_outing(browser, expect):
    """CSSPO's "fiche santé": the ski day asks the child's allergies, emergency contact and health-insurance number.
    In the cart the line says what is missing and links to the child's profile; a malformed number is refused next
    to its field; once saved, the line is ready (and the child's page shows only the number's end). A guest is asked
    the same fields on the guest form, required."""
    d, child = browser.driver, expect["child"]
    browser.open("/connexion")
    fill(browser, {"email": f"parent.{browser.width}@e2e.test", "password": expect["password"] + "-2"})
    submit(browser)
    browser.open("/activites?q=ski")
    browser.click("Journée de ski au mont Cascades")
    guest_form = urllib.parse.urlparse(d.current_url).path + "/invite"
    Select(d.find_element(By.ID, "participantId")).select_by_visible_text(child["name"])
    submit(browser, "Ajouter au panier")
    assert f"qui manquent au profil de {child['name']}" in main_text(browser), main_text(browser)
    browser.click(f"Remplir le profil de {child['name']}")
    assert heading(browser) == f"Profil de {child['name']}", heading(browser)
    fill(browser, {"allergies": "Arachides", "emergencyName": "Sophie Lavoie", "emergencyPhone": "819 555-0147",
                   "emergencyRelationship": "Mère", "healthInsuranceNumber": "1234"})
    submit(browser, "Enregistrer le profil")
    assert d.find_element(By.ID, "healthInsuranceNumber").get_attribute("aria-invalid") == "true", "a malformed number is refused"
    assert d.find_element(By.ID, "allergies").get_attribute("value") == "Arachides", "what was typed is kept"
    fill(browser, {"healthInsuranceNumber": "LAVL 1234 5678"})
    submit(browser, "Enregistrer le profil")
    text = main_text(browser)
    assert "Le profil est enregistré" in text and "Arachides" in text and "5678" in text and "LAVL12345678" not in d.page_source, text
    browser.click("Mon panier")
    assert "qui manquent au profil" not in main_text(browser), main_text(browser)
    browser.navigate(lambda: d.find_element(By.CSS_SELECTOR, "form.secondary button").click())
    # The guest form asks the same, and refuses the seat without it.
    browser.open(guest_form)
    assert d.find_element(By.ID, "allergies") and d.find_element(By.ID, "healthInsuranceNumber"), "the fields the outing asks"
    fill(browser, {"email": f"invite.ski.{browser.width}@e2e.test", "firstName": "Sophie", "lastName": "Roy", "childFirstName": "Léo",
                   "childLastName": "Roy", "childBirthDate": child["birthDate"]})
    submit(browser, "Réserver la place et payer")
    assert d.find_element(By.ID, "allergies").get_attribute("aria-invalid") == "true", "the outing's fields are asked of a guest"
    assert d.find_element(By.ID, "emergencyRelationship").get_attribute("aria-invalid") != "true", "an optional part stays optional"
    summary = d.find_element(By.CSS_SELECTOR, ".error-summary").text
    assert "demande ce renseignement" in summary and "manquants" not in summary, summary


def baie_comeau_link(browser, expect):
    """Baie-Comeau: an account confirmed by the mailed link, in English: the link's page changes nothing until
    its button is pressed; the same link a second time no longer works."""
    d, mail = browser.driver, expect["mail"]
    email = f"guardian.{browser.width}@e2e.test"
    browser.open("/language/en?back=/compte/inscription")
    assert heading(browser) == "Create an account"
    fill(browser, {"firstName": "Hugo", "lastName": "Cormier", "email": email, "birthDate": "1979-01-05",
                   "password": expect["password"], "consent": True})
    submit(browser)
    link = re.search(r"(http://\S+/compte/confirmer\?token=\S+)", mail(email, "code")).group(1)
    path = urllib.parse.urlparse(link)
    browser.open(f"{path.path}?{path.query}")
    assert heading(browser) == "Confirm my email address"
    no_secrets_in_page(browser)
    token = urllib.parse.parse_qs(path.query)["token"][0]
    assert token not in d.page_source, "the link's token is sealed in the page, never as it came"
    submit(browser)
    assert "Your address has been confirmed" in main_text(browser)
    browser.open(f"{path.path}?{path.query}")
    submit(browser)
    assert heading(browser) == "This link no longer works", "a link works once"
    # Another family's child: not found, as if there were none (no name, no health field).
    browser.open("/connexion")
    fill(browser, {"email": email, "password": expect["password"]})
    submit(browser)
    assert heading(browser) == "My account"
    for url in expect.get("child_urls", []):
        browser.open(url)
        assert heading(browser) == "Page not found", f"another family's child at {url}"
        assert expect["child"]["name"] not in d.page_source
    # Another family's intervention plan: not found either.
    for url in expect.get("document_urls", []):
        status = d.execute_async_script("const done = arguments[arguments.length - 1]; fetch(arguments[0]).then(r => done(r.status))", url)
        assert status == 404, f"another family's plan at {url}: {status}"


def two_step_verification(browser, expect):
    """A parent turns on two-step verification: scans the QR code (here: reads the key beside it), a wrong first
    code refused with the same key still shown, then the right one and the password; the ten recovery codes are
    shown once. Signed out, then in English: the password, a wrong app code refused, a recovery code accepted; a
    recovery code used twice refused; new recovery codes; turned off with one of them and the password."""
    d, mail = browser.driver, expect["mail"]
    person = Keyboard(browser) if browser.width == "desktop" else Mouse(browser)
    email = f"deux.etapes.{browser.width}@e2e.test"
    browser.open("/compte/inscription")
    person.type({"firstName": "Nadia", "lastName": "Bouchard", "email": email, "birthDate": "1981-11-02", "password": expect["password"]})
    person.tick(field("consent"))
    person.go(button("Créer mon compte"))
    person.type({"code": re.search(r"\b(\d{6})\b", mail(email, "code")).group(1)})
    person.go(button("Confirmer"))
    person.type({"email": email, "password": expect["password"]})
    person.go(button("Me connecter"))
    assert "Double authentification\nDésactivée" in main_text(browser), main_text(browser)
    person.go(link("Double authentification"))
    assert heading(browser) == "Double authentification" and "Désactivée" in main_text(browser)
    person.go(button("Activer la double authentification"))
    assert heading(browser) == "Ajouter Guichet à votre application", heading(browser)
    qr = d.find_element(By.CSS_SELECTOR, ".key-setup svg")
    assert qr.get_attribute("role") == "img" and "Code QR" in d.find_element(By.ID, "key-qr-title").get_attribute("textContent")
    key = d.find_element(By.CSS_SELECTOR, "code.key").text
    assert re.fullmatch(r"[A-Z2-7]{4}( [A-Z2-7]{1,4})+", key), f"the key in groups of four: {key!r}"
    code = totp(key)
    person.type({"code": f"{(int(code) + 500_000) % 1_000_000:06d}", "currentPassword": expect["password"]})
    person.go(button("Activer"))
    assert "Ce code n'est pas valide." in d.find_element(By.CSS_SELECTOR, ".error-summary").text
    assert d.find_element(By.CSS_SELECTOR, "code.key").text == key, "a refused code shows the same key again"
    person.type({"code": totp(key), "currentPassword": expect["password"]})
    person.go(button("Activer"))
    assert "La double authentification est activée." in main_text(browser), main_text(browser)
    codes = [li.text for li in d.find_elements(By.CSS_SELECTOR, ".recovery-codes code")]
    assert len(codes) == 10 and all(re.fullmatch(r"[0-9a-z]{5}-[0-9a-z]{5}", c) for c in codes), codes
    assert "codes de récupération" in mail(email, "double authentification est activée")
    person.go(link("Retour à mon compte"))
    person.go(button("Me déconnecter"))

    # In English: the password, then the app's code.
    browser.open("/language/en?back=/connexion")
    person.type({"email": email, "password": expect["password"]})
    person.go(button("Sign in"))
    assert heading(browser) == "Code from your authenticator app", heading(browser)
    person.type({"code": f"{(int(totp(key)) + 500_000) % 1_000_000:06d}"})
    person.go(button("Sign in"))
    assert "This code is not valid." in d.find_element(By.CSS_SELECTOR, ".error-summary").text
    no_secrets_in_page(browser)
    person.type({"code": codes[0].upper()})
    person.go(button("Sign in"))
    assert heading(browser) == "My account", heading(browser)
    assert "Two-step verification\nOn" in main_text(browser), main_text(browser)
    person.go(button("Sign out"))
    browser.open("/connexion")
    person.type({"email": email, "password": expect["password"]})
    person.go(button("Sign in"))
    person.type({"code": codes[0]})
    person.go(button("Sign in"))
    assert "This code is not valid." in d.find_element(By.CSS_SELECTOR, ".error-summary").text, "a recovery code works once"
    person.type({"code": codes[1]})
    person.go(button("Sign in"))
    person.go(link("Two-step verification"))
    assert "Unused recovery codes\n8" in main_text(browser), main_text(browser)
    person.go(link("Get 10 new recovery codes"))
    person.type({"code": codes[2]})
    person.go(button("Get new codes"))
    renewed = [li.text for li in d.find_elements(By.CSS_SELECTOR, ".recovery-codes code")]
    assert len(renewed) == 10 and not set(renewed) & set(codes), renewed
    person.go(link("Turn off two-step verification"))
    person.type({"code": codes[3], "currentPassword": expect["password"]})
    person.go(button("Turn off"))
    assert "This code is not valid." in d.find_element(By.CSS_SELECTOR, ".error-summary").text, "the old codes stopped working"
    person.type({"code": renewed[0], "currentPassword": expect["password"]})
    person.go(button("Turn off"))
    assert "Two-step verification is off." in main_text(browser) and "Off" in main_text(browser), main_text(browser)
    browser.open("/language/fr?back=/compte")


def staff_sign_in(browser, person, email, key, password):
    """A staff member signs in: the password, then the code of the authenticator app (the next one if the API
    just used this step's: a code works once)."""
    browser.open("/connexion")
    person.type({"email": email, "password": password})
    person.go(button("Me connecter"))
    assert heading(browser) == "Code de votre application d'authentification", heading(browser)
    person.type({"code": totp(key)})
    person.go(button("Me connecter"))
    if browser.driver.find_elements(By.CSS_SELECTOR, ".error-summary"):
        time.sleep(30 - time.time() % 30 + 0.5)
        person.type({"code": totp(key)})
        person.go(button("Me connecter"))
    assert heading(browser) == "Mon compte", heading(browser)


def admin_grants_and_revokes_a_staff_role(browser, expect):
    """admin grants and revokes a staff role: the platform admin signs in with the second factor, opens the staff
    area, finds the school among the organisations, is told an unknown address has no account, grants a verified
    account the staff role, sees it in the staff list and the role log, revokes it, sets the school's address and
    GST number (one that is not one refused first), reads the page in English, and adds a new school (a short code
    that is not one refused first)."""
    d, admin = browser.driver, expect["admin"]
    person = Mouse(browser)
    staff_sign_in(browser, person, admin["email"], admin["key"], expect["password"])
    person.go(link("Espace du personnel"))
    assert heading(browser) == "Espace du personnel", heading(browser)
    person.go(link("Organismes et personnel"))
    person.go(link(admin["organisation"]))
    assert heading(browser) == admin["organisation"], heading(browser)
    person.type({"email": "personne.inconnue@e2e.test"})
    person.go(button("Attribuer le rôle"))
    assert "Aucun compte vérifié n'a cette adresse." in d.find_element(By.CSS_SELECTOR, ".error-summary").text
    assert d.find_element(By.ID, "email").get_attribute("aria-invalid") == "true"
    person.type({"email": admin["grantee"]})
    Select(d.find_element(By.ID, "role")).select_by_visible_text("Personnel")
    person.go(button("Attribuer le rôle"))
    assert "Le rôle est attribué." in main_text(browser), main_text(browser)
    rows = [r.text for r in d.find_elements(By.CSS_SELECTOR, "table.list tbody tr")]
    assert any(admin["grantee"] in r and "Personnel" in r for r in rows), rows
    assert any(admin["granteeName"] in r and "Rôle attribué" in r for r in rows), f"the log: {rows}"
    revoke = d.find_element(By.CSS_SELECTOR, f"button[aria-label='Retirer le rôle — {admin['granteeName']}']")
    browser.navigate(revoke.click)
    assert "Le rôle est retiré." in main_text(browser), main_text(browser)
    rows = [r.text for r in d.find_elements(By.CSS_SELECTOR, "table.list tbody tr")]
    assert not any(admin["grantee"] in r for r in rows), f"still listed: {rows}"
    assert any(admin["granteeName"] in r and "Rôle retiré" in r for r in rows), f"the log: {rows}"
    page = urllib.parse.urlparse(d.current_url).path
    assert re.fullmatch(r"/staff/organisations/[0-9a-f-]{36}", page), f"back on the organisation's page by GET: {page}"
    # The school's address and numbers: a GST number that is not one refused next to its field, then kept as written
    # in its one form and shown on the organisation's page.
    person.go(link("Nom, coordonnées et numéros"))
    person.type({"street": "1055, rue du Collège", "city": "Baie-Comeau", "postalCode": "g4z 1a1", "gstNumber": "12345"})
    person.go(button("Enregistrer les modifications"))
    assert d.title.startswith("Erreur") and d.find_element(By.ID, "gstNumber").get_attribute("aria-invalid") == "true", d.title
    person.type({"gstNumber": "123456789 RT 0001"})
    person.go(button("Enregistrer les modifications"))
    facts = main_text(browser)
    assert "Les coordonnées et les numéros sont enregistrés." in facts and "123456789RT0001" in facts and "G4Z 1A1" in facts, facts
    browser.open(f"/language/en?back={page}")
    assert "Role log" in main_text(browser) and "Role revoked" in main_text(browser), main_text(browser)
    browser.open("/staff")
    assert heading(browser) == "Staff area", heading(browser)
    browser.open("/staff/organisations")
    assert heading(browser) == "Organisations and staff", heading(browser)
    browser.open("/language/fr?back=/staff/organisations")
    # A new school under the same centre: a short code that is not one refused first.
    number = "1" if browser.width == "phone" else "2"
    person.go(link("Ajouter un organisme"))
    Select(d.find_element(By.ID, "kind")).select_by_visible_text("École")
    person.type({"shortCode": "école 1", "nameFr": f"École des Découvertes {number}", "nameEn": f"Discovery School {number}"})
    person.go(button("Ajouter l'organisme"))
    assert d.title.startswith("Erreur") and d.find_element(By.ID, "shortCode").get_attribute("aria-invalid") == "true", d.title
    person.type({"shortCode": f"EDD-{number}"})
    person.go(button("Ajouter l'organisme"))
    assert heading(browser) == f"École des Découvertes {number}" and "L'organisme est ajouté." in main_text(browser), main_text(browser)
    browser.open("/staff")


def staff_see_only_their_organisation(browser, expect):
    """staff see only their own organisation: a school's secretary signs in with the second factor, finds their
    school in the staff area with its staff list but not its role log (they are not its administrator), and gets
    "not found" for another organisation's page and for the platform's list of organisations."""
    d, staff = browser.driver, expect["staffOfOne"]
    person = Mouse(browser)
    staff_sign_in(browser, person, staff["email"], staff["key"], expect["password"])
    person.go(link("Espace du personnel"))
    assert "Organismes et personnel" not in main_text(browser), "only platform admins see every organisation"
    person.go(link(staff["own"]))
    assert heading(browser) == staff["own"], heading(browser)
    assert staff["email"] in main_text(browser), "their school's staff list"
    assert "Journal des rôles" not in main_text(browser) and "Attribuer un rôle" not in main_text(browser), main_text(browser)
    other, own, course = staff["otherId"], staff["ownId"], expect["otherCourse"]
    # Every page of another organisation, and another organisation's person under their own: not found.
    for path in (f"/staff/organisations/{other}", "/staff/organisations", f"/staff/organisations/{other}/personnes",
                 f"/staff/organisations/{other}/personnes?q=Cormier", f"/staff/organisations/{other}/personnes/{staff['otherPerson']}",
                 f"/staff/organisations/{own}/personnes/{staff['otherPerson']}",
                 f"/staff/organisations/{other}/personnes/{staff['otherPerson']}/inscription", f"/staff/organisations/{other}/offres",
                 f"/staff/organisations/{course[0]}/offres/{course[1]}/groupes/{course[2]}",
                 f"/staff/organisations/{own}/offres/{course[1]}/groupes/{course[2]}", f"/staff/organisations/{other}/dossiers",
                 f"/staff/organisations/{other}/offres/nouvelle", f"/staff/organisations/{course[0]}/offres/{course[1]}",
                 f"/staff/organisations/{own}/offres/{course[1]}", f"/staff/organisations/{other}/paiements",
                 f"/staff/organisations/{other}/documents"):
        browser.open(path)
        assert heading(browser) == "Page introuvable", f"{path}: {heading(browser)}"
        assert staff["otherName"] not in main_text(browser) and "Cormier" not in main_text(browser), path


def choose(person, ident, label):
    """Picks a select's option by its label: the mouse clicks it in the list; the keyboard reaches the field
    with Tab and moves with the arrow keys until the label is chosen."""
    d = person.d
    if isinstance(person, Keyboard):
        from selenium.webdriver.common.keys import Keys
        element = person.tab_to(field(ident))
        person.keys(Keys.HOME)
        for _ in range(200):
            if Select(element).first_selected_option.text.startswith(label):
                return
            person.keys(Keys.ARROW_DOWN)
        raise AssertionError(f"{d.current_url}: no option {label!r} in {ident}")
    options = [o.text for o in Select(d.find_element(By.ID, ident)).options]
    Select(d.find_element(By.ID, ident)).select_by_visible_text(next(o for o in options if o.startswith(label)))


def fetched_csv(d):
    """The page's CSV link fetched as the browser would (its session cookie): "<status> <content type>\n<body>"."""
    href = d.find_element(By.PARTIAL_LINK_TEXT, "CSV").get_attribute("href")
    return d.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(arguments[0]).then(r => r.text().then(t => done(r.status + ' ' + r.headers.get('content-type') + '\\n' + t)))", href)


def table_rows(browser):
    return [r.text for r in browser.driver.find_elements(By.CSS_SELECTOR, "table.list tbody tr")]


def registrar_registers_moves_and_prints(browser, expect):
    """registrar finds Lebl*, registers to a group, changes the group, prints the class list: the college's
    registrar signs in with the second factor, finds the students whose names start with "Lebl", opens one
    record, registers the student to a course's first group with a funding source and no payment (at a desk, with
    the keyboard alone), moves the registration to the second group, opens that group's class list (ready to
    print, the site's header hidden on paper; its CSV has the student), and reads the list in English."""
    d, registrar = browser.driver, expect["registrar"]
    person = Keyboard(browser) if browser.width == "desktop" else Mouse(browser)
    listed, name = registrar["student"][browser.width]
    staff_sign_in(browser, person, registrar["email"], registrar["key"], expect["password"])
    person.go(link("Espace du personnel"))
    person.go(link(registrar["organisation"]))
    person.go(link("Rechercher une personne"))
    person.type({"q": "Lebl*"})
    person.go(button("Rechercher"))
    found = [r.split("\n")[0] for r in table_rows(browser)]
    assert any(r.startswith("Leblanc, Julie") for r in found) and any(r.startswith(listed) for r in found), found
    assert "Personnes trouvées : 3" in main_text(browser).replace("\xa0", " "), main_text(browser)
    person.go(link(listed))
    assert heading(browser) == name, heading(browser)
    person.go(link("Inscrire à un cours"))
    assert heading(browser) == f"Inscrire à un cours — {name}", heading(browser)
    # Nothing chosen: said next to the field, nothing registered.
    person.type({"fundingSource": "Emploi-Québec"})
    person.go(button("Inscrire"))
    assert heading(browser) == f"Inscrire à un cours — {name}" and d.title.startswith("Erreur"), d.title
    assert d.find_element(By.ID, "courseGroup").get_attribute("aria-invalid") == "true"
    choose(person, "courseGroup", f"{registrar['course']} — Groupe 01")
    person.go(button("Inscrire"))
    assert "L'inscription est faite et confirmée." in main_text(browser), main_text(browser)
    rows = table_rows(browser)
    assert any("Groupe 01" in r and "Emploi-Québec" in r and "Confirmée" in r for r in rows), rows
    person.go(css(browser, "a[href$='/groupe']"))
    assert heading(browser) == f"Changer de groupe — {name}", heading(browser)
    choose(person, "sessionId", "Groupe 02")
    person.go(button("Changer de groupe"))
    assert "Le groupe est changé." in main_text(browser), main_text(browser)
    rows = table_rows(browser)
    assert any("Groupe 02" in r and "Emploi-Québec" in r for r in rows) and not any("Groupe 01" in r for r in rows), rows
    person.go(css(browser, "a[href*='/groupes/']"))  # the record's one group link, now to Groupe 02
    assert heading(browser) == "Liste de classe — 601-103-MQ Groupe 02", heading(browser)
    names = [r for r in table_rows(browser)]
    assert any(name.split(" ")[1] in r for r in names) and any("Leblanc" in r for r in names), names
    # On paper: the list without the site's header and links.
    d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        assert not d.find_element(By.CSS_SELECTOR, "header.site").is_displayed(), "the site's header printed"
        assert not d.find_element(By.CSS_SELECTOR, ".print-hidden").is_displayed(), "the links printed"
        assert d.find_element(By.CSS_SELECTOR, "table.list").is_displayed()
    finally:
        d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    csv = fetched_csv(d)
    assert csv.startswith("200 text/csv") and f"{name.split(' ')[1]},{name.split(' ')[0]}" in csv, csv
    page = urllib.parse.urlparse(d.current_url).path
    browser.open(f"/language/en?back={page}")
    assert heading(browser) == "Class list — 601-103-MQ Group 02", heading(browser)
    browser.open(f"/language/fr?back={page}")


def clerk_creates_previews_and_publishes(browser, expect):
    """catalogue clerk creates, previews and publishes an offering that a family then sees: the city's recreation
    clerk signs in with the second factor, creates a draft in both languages (a price that is not one refused next
    to its field first), edits its terms (a non-resident's price, a contract clause in both languages, the
    allergies asked), previews it as families will see it, publishes it, lowers a group's capacity below nobody,
    adds a second group and moves the first a week later, adds an item, what to bring and the ages (each mistake
    refused next to its field first), and a family visitor then finds it by searching the catalogue, in French and
    in English."""
    d, clerk = browser.driver, expect["clerk"]
    person = Mouse(browser)
    number = "1" if browser.width == "phone" else "2"
    title_fr, title_en, code = f"Atelier de bande dessinée {number}", f"Comic workshop {number}", f"BD-{number}"
    staff_sign_in(browser, person, clerk["email"], clerk["key"], expect["password"])
    person.go(link("Espace du personnel"))
    person.go(link(clerk["organisation"]))
    person.go(link("Offres et listes de classe"))
    person.go(link("Créer une offre"))
    assert heading(browser) == "Créer une offre", heading(browser)
    values = {"code": code, "titleFr": title_fr, "titleEn": title_en,
              "descriptionFr": "Créer sa propre bande dessinée.\n\nLe matériel est fourni.",
              "descriptionEn": "Make your own comic.\n\nMaterials are provided.", "price": "quarante",
              "opensOn": clerk["opensOn"], "closesOn": clerk["closesOn"], "groupFr": "Groupe du samedi", "groupEn": "Saturday group",
              "startsOn": clerk["startsOn"], "endsOn": clerk["endsOn"], "capacity": "12"}
    person.type(values)
    Select(d.find_element(By.ID, "category")).select_by_index(1)
    person.go(button("Créer le brouillon"))
    assert d.title.startswith("Erreur") and d.find_element(By.ID, "price").get_attribute("aria-invalid") == "true", d.title
    assert d.find_element(By.ID, "titleFr").get_attribute("value") == title_fr, "what was typed is kept"
    person.type({"price": "40,00"})
    person.go(button("Créer le brouillon"))
    assert heading(browser) == f"{code} {title_fr}", heading(browser)
    assert "L'offre est créée en brouillon" in main_text(browser) and "Brouillon" in main_text(browser), main_text(browser)
    # The terms the creation form does not ask: a non-resident's price, a contract clause in both languages (one
    # left untranslated refused first), the allergies asked of families.
    person.go(link("Modifier l'offre"))
    assert heading(browser) == "Modifier l'offre" and d.find_element(By.ID, "titleFr").get_attribute("value") == title_fr, heading(browser)
    person.type({"nonResidentPrice": "55,00", "contractFr": "Je m'engage à respecter le code de vie de l'atelier."})
    person.tick(field("field-allergies"))
    person.go(button("Enregistrer les modifications"))
    assert d.title.startswith("Erreur") and d.find_element(By.ID, "contractEn").get_attribute("aria-invalid") == "true", d.title
    assert d.find_element(By.ID, "field-allergies").is_selected(), "what was ticked is kept"
    person.type({"contractEn": "I agree to follow the workshop's code of conduct."})
    person.go(button("Enregistrer les modifications"))
    assert "L'offre est modifiée." in main_text(browser), main_text(browser)
    person.go(link("Aperçu pour les familles"))
    assert heading(browser) == title_fr, heading(browser)
    assert "Aperçu" in main_text(browser) and "Le matériel est fourni." in main_text(browser) and "40,00" in main_text(browser), main_text(browser)
    assert "Je m'engage à respecter le code de vie de l'atelier." in main_text(browser), main_text(browser)
    person.go(link("Retour à l'activité"))
    person.go(button("Publier"))
    assert "L'offre est publiée" in main_text(browser) and "Publiée" in main_text(browser), main_text(browser)
    person.type({d.find_element(By.CSS_SELECTOR, "input[name=capacity]").get_attribute("id"): "10"})
    person.go(button("Changer la capacité"))
    assert "La capacité est changée." in main_text(browser), main_text(browser)
    page = urllib.parse.urlparse(d.current_url).path
    # A second group, its schedule written in French only refused first; then the first group moved a week later.
    later = lambda day: (datetime.date.fromisoformat(day) + datetime.timedelta(days=7)).isoformat()
    person.go(link("Ajouter un groupe"))
    person.type({"nameFr": "Groupe du dimanche", "nameEn": "Sunday group", "startsOn": later(clerk["startsOn"]),
                 "endsOn": later(clerk["endsOn"]), "capacity": "8", "scheduleFr": "Dimanche, 10 h à 12 h"})
    person.go(button("Ajouter le groupe"))
    assert d.title.startswith("Erreur") and d.find_element(By.ID, "scheduleEn").get_attribute("aria-invalid") == "true", d.title
    person.type({"scheduleEn": "Sunday, 10 a.m. to noon"})
    person.go(button("Ajouter le groupe"))
    assert "Le groupe est ajouté." in main_text(browser) and "Groupe du dimanche" in main_text(browser), main_text(browser)
    person.go(css(browser, "a[href$='/modifier'][href*='/groupes/']"))  # the first group's (Saturday's) edit link
    assert heading(browser).startswith("Modifier le groupe") and d.find_element(By.ID, "nameFr").get_attribute("value") == "Groupe du samedi"
    person.type({"startsOn": later(clerk["startsOn"]), "endsOn": later(clerk["endsOn"])})
    person.go(button("Enregistrer le groupe"))
    assert "Le groupe est modifié." in main_text(browser), main_text(browser)
    # Items, conditions: an item without its English name refused by the form, then one dated outside the groups
    # refused by the catalogue, next to its date; then kept, with what to bring and the ages.
    person.go(link("Articles, prix et conditions"))
    person.type({"item-new-1-nameFr": "Cahier à croquis", "item-new-1-price": "8,00", "item-new-1-date": "2020-01-01",
                 "requirementsFr": "Apporter des crayons.", "requirementsEn": "Bring pencils.", "minimumAge": "8", "maximumAge": "12"})
    person.go(button("Enregistrer les modifications"))
    assert d.title.startswith("Erreur") and d.find_element(By.ID, "item-new-1-nameEn").get_attribute("aria-invalid") == "true", d.title
    person.type({"item-new-1-nameEn": "Sketchbook"})
    person.go(button("Enregistrer les modifications"))
    assert d.title.startswith("Erreur") and d.find_element(By.ID, "item-new-1-date").get_attribute("aria-invalid") == "true", d.title
    assert "hors des groupes" in main_text(browser), main_text(browser)
    person.type({"item-new-1-date": ""})
    person.go(button("Enregistrer les modifications"))
    assert "L'offre est modifiée." in main_text(browser), main_text(browser)
    person.go(link("Articles, prix et conditions"))
    kept = d.find_elements(By.CSS_SELECTOR, "input[id^='item-'][id$='-nameEn'][value='Sketchbook']")
    assert kept and not kept[0].get_attribute("id").startswith("item-new-"), "the item is kept with its own id"
    assert d.find_element(By.ID, "minimumAge").get_attribute("value") == "8"
    person.go(link("Retour à l'activité"))
    person.go(link("Aperçu pour les familles"))
    preview = main_text(browser)
    assert "Apporter des crayons." in preview and "Groupe du dimanche" in preview and "Dimanche, 10 h à 12 h" in preview, preview
    person.go(link("Retour à l'activité"))
    browser.open(f"/language/en?back={page}")
    assert heading(browser) == f"{code} {title_en}" and "Published" in main_text(browser), heading(browser)
    browser.open(f"/language/fr?back={page}")
    # A family (another browser: no staff session) finds it in the catalogue.
    d.delete_all_cookies()
    browser.open("/activites")
    person.type({"q": f"bande dessinee {number}"})
    person.go(button("Rechercher"))
    person.go(link(title_fr))
    assert heading(browser) == title_fr and code in main_text(browser) and "40,00" in main_text(browser), main_text(browser)
    assert "Places restantes" in main_text(browser) and "10" in main_text(browser), main_text(browser)


def refund_shows_its_credit_note(browser, expect):
    """a refund from the payment page shows its credit note: the platform admin opens a school's payments of the
    year, one payment with its lines, refunds a dollar of it (an amount that is not one refused next to its field
    first), sees the refund completed and opens its credit note, printable, in French and English."""
    d, admin = browser.driver, expect["admin"]
    person = Mouse(browser)
    staff_sign_in(browser, person, admin["email"], admin["key"], expect["password"])
    person.go(link("Espace du personnel"))
    person.go(link("Organismes et personnel"))
    person.go(link(admin["organisation"]))
    person.go(link("Paiements et remboursements"))
    assert heading(browser) == "Paiements", heading(browser)
    rows = d.find_elements(By.CSS_SELECTOR, "table.list tbody tr")
    untouched = [r for r in rows if r.find_elements(By.TAG_NAME, "td")[-1].text.replace("\xa0", " ") == "0,00 $"]
    assert untouched, [r.text for r in rows]
    receipt = untouched[0].find_element(By.TAG_NAME, "a").text
    browser.navigate(untouched[0].find_element(By.TAG_NAME, "a").click)
    assert heading(browser) == f"Reçu {receipt}", heading(browser)
    person.type({"amount": "un dollar", "reason": "Geste commercial"})
    person.go(button("Rembourser"))
    assert d.title.startswith("Erreur") and d.find_element(By.ID, "amount").get_attribute("aria-invalid") == "true", d.title
    assert d.find_element(By.ID, "reason").get_attribute("value") == "Geste commercial"
    person.type({"amount": "1,00"})
    person.go(button("Rembourser"))
    assert "Le remboursement est envoyé" in main_text(browser), main_text(browser)
    page = urllib.parse.urlparse(d.current_url).path
    for _ in range(15):  # the processor settles the refund within seconds; its credit note is numbered then
        notes = d.find_elements(By.CSS_SELECTOR, "a[href*='/remboursements/']")
        if notes:
            break
        time.sleep(1)
        browser.open(page)
    assert notes, f"no credit note: {table_rows(browser)}"
    number = notes[0].text
    assert any("1,00" in r and "Geste commercial" in r and "Complété" in r for r in table_rows(browser)), table_rows(browser)
    browser.navigate(notes[0].click)
    assert heading(browser) == f"Note de crédit {number}", heading(browser)
    text = main_text(browser).replace("\xa0", " ")
    assert "1,00 $" in text and "Geste commercial" in text and receipt in text, text
    note = urllib.parse.urlparse(d.current_url).path
    browser.open(f"/language/en?back={note}")
    assert heading(browser) == f"Credit note {number}" and "$1.00" in main_text(browser), heading(browser)
    browser.open(f"/language/fr?back={note}")
    # The school's registration documents, and (an administrator) the log of who opened them.
    browser.open(note.split("/remboursements/")[0] + "/documents")
    assert heading(browser) == "Documents des inscriptions" and "Journal des consultations" in main_text(browser), main_text(browser)


def fundraiser_report_matches_the_orders(browser, expect):
    """fund-raiser report matches the families' orders: a school's secretary opens the macaroni fund-raiser's
    quantities per date and school, and each date's total is what the families ordered (the guest's and the
    parent's orders through the API, a pupil's two lunches under her school, and the guest's order in this
    browser at each width so far); its CSV says the same."""
    d, report = browser.driver, expect["fundraiser"]
    person = Mouse(browser)
    orders_here = 1 if browser.width == "phone" else 2  # csspo_guest ordered once per width that ran
    expected = [before + orders_here * extra for before, extra in zip(report["before"], report["perBrowserOrder"])]
    staff_sign_in(browser, person, report["email"], report["key"], expect["password"])
    person.go(link("Espace du personnel"))
    person.go(link(report["organisation"]))
    person.go(link("Offres et listes de classe"))
    person.go(link("MACARONI Campagne de financement — dîners macaroni"))
    person.go(link("Quantités par date"))
    assert heading(browser) == "Quantités par date — MACARONI", heading(browser)
    totals = [r.text for r in d.find_elements(By.CSS_SELECTOR, "table.list tbody tr.total")]
    found = [int(r.split()[-1]) for r in totals]
    assert found == expected, f"per date {found}, ordered {expected}: {totals}"
    school, count = report["school"]
    assert any(f" {school} {count}" in r.text for r in d.find_elements(By.CSS_SELECTOR, "table.list tbody tr")), table_rows(browser)
    href = d.find_element(By.PARTIAL_LINK_TEXT, "CSV").get_attribute("href")
    csv = d.execute_async_script(
        "const done = arguments[arguments.length - 1]; fetch(arguments[0]).then(r => r.text().then(done))", href)
    lines = [line.split(",") for line in csv.strip().splitlines()[1:]]
    by_date = {}
    for date, _, _, quantity in lines:
        by_date[date] = by_date.get(date, 0) + int(quantity)
    assert [by_date[k] for k in sorted(by_date)] == expected, csv


def clerk_imports_records_with_a_bad_row(browser, expect):
    """clerk imports a records CSV with one bad row: a school's secretary opens the import page, sends no file
    (told so next to the field), then the school's export with a row whose birth date is impossible, and reads
    the report: the good rows unchanged or added, the bad row refused with its line, column and reason, in French
    then in English."""
    d, clerk = browser.driver, expect["recordsImport"]
    person = Mouse(browser)
    staff_sign_in(browser, person, clerk["email"], clerk["key"], expect["password"])
    person.go(link("Espace du personnel"))
    person.go(link(clerk["organisation"]))
    person.go(link("Importer les dossiers"))
    assert heading(browser) == "Importer les dossiers", heading(browser)
    person.go(button("Importer"))
    assert d.title.startswith("Erreur") and "Choisissez un fichier." in main_text(browser), main_text(browser)
    assert d.find_element(By.ID, "file").get_attribute("aria-invalid") == "true"
    export = browser.artifacts / f"dossiers-{browser.width}.csv"
    export.write_text(clerk["csv"], encoding="utf-8")
    person.attach(field("file"), export)
    person.go(button("Importer"))
    assert "L'importation est faite, sauf les lignes refusées" in main_text(browser), main_text(browser)
    rows = table_rows(browser)
    assert rows == ["4 birthDate Une date réelle, écrite AAAA-MM-JJ."], rows
    facts = d.find_element(By.CSS_SELECTOR, "dl.facts").text
    assert "Lignes refusées\n1" in facts and "Retirés (absents du fichier)\n0" in facts, facts
    # The report is the answer to the form: the language switch goes back to the import page, not a resend.
    browser.open("/language/en?back=" + urllib.parse.urlparse(d.current_url).path)
    assert heading(browser) == "Import records", heading(browser)
    browser.open("/language/fr?back=/staff")


# Staff journeys: the staff area is for work at a desk, and must still fit a phone (every page check asserts no
# sideways scrolling at that width); each prints `staff: <its first line>` as it passes.
def group_list_attendance_and_message(browser, expect):
    """staff read a group's fiche santé, take its attendance and write to its families: a school's secretary opens the
    ski day's class list (the allergies and emergency contact the outing asks, never its insurance number), marks the
    pupil late then present on the group's date (a date outside the group refused next to its field first), finds the
    mark kept and in the CSV, reads the page in English, and writes to the group (an empty subject refused first): the
    family receives the message."""
    d, group = browser.driver, expect["group"]
    person = Mouse(browser)
    last, first = group["pupil"]
    staff_sign_in(browser, person, group["email"], group["key"], expect["password"])
    person.go(link("Espace du personnel"))
    person.go(link(group["organisation"]))
    person.go(link("Offres et listes de classe"))
    person.go(link(group["offering"]))
    person.go(css(browser, "a[href*='/groupes/']"))
    assert heading(browser).startswith("Liste de classe — SKI"), heading(browser)
    headers = [th.text for th in d.find_elements(By.CSS_SELECTOR, "table.list thead th")]
    assert "Allergies" in headers and "Contact d'urgence" in headers and not any("assurance" in h for h in headers), headers
    rows = table_rows(browser)
    assert any(last in r and first in r and group["allergies"] in r and "Karine Roy" in r for r in rows), rows
    assert "ROYM" not in d.page_source, "the insurance number stays on the profile"
    person.go(link("Présences"))
    assert heading(browser).startswith("Présences — SKI"), heading(browser)
    day = d.find_element(By.ID, "date").get_attribute("value")  # the group's day (its first, before it starts)
    person.type({"date": "2020-01-01"})
    person.go(button("Afficher cette date"))
    assert d.title.startswith("Erreur") and d.find_element(By.ID, "date").get_attribute("aria-invalid") == "true", d.title
    person.type({"date": day})
    person.go(button("Afficher cette date"))
    legend = f"{last}, {first}"
    choice = lambda value: css(browser, f"fieldset.attendance input[value={value}]")
    assert any(l.text == legend for l in d.find_elements(By.CSS_SELECTOR, "fieldset.attendance legend")), main_text(browser)
    person.tick(choice("late"))
    person.go(button("Enregistrer les présences"))
    assert "Les présences sont enregistrées." in main_text(browser), main_text(browser)
    assert d.find_element(By.CSS_SELECTOR, "fieldset.attendance input[value=late]").is_selected(), "the mark is kept"
    person.tick(choice("present"))
    person.go(button("Enregistrer les présences"))
    assert d.find_element(By.CSS_SELECTOR, "fieldset.attendance input[value=present]").is_selected(), "the new mark replaces it"
    csv = fetched_csv(d)
    assert csv.startswith("200 text/csv") and f"{day},{last},{first},present," in csv, csv
    page = urllib.parse.urlparse(d.current_url).path
    browser.open(f"/language/en?back={urllib.parse.quote(page + '?date=' + day)}")
    assert heading(browser).startswith("Attendance — SKI"), heading(browser)
    assert any(l.text == "Present" for l in d.find_elements(By.CSS_SELECTOR, "fieldset.attendance label")), main_text(browser)
    browser.open(f"/language/fr?back={page}")
    person.go(link("Retour à la liste de classe"))
    person.go(link("Écrire au groupe"))
    subject = f"Départ de l'autobus à 7 h 30 ({browser.width})"
    person.type({"body": "Rendez-vous devant l'école. Apportez un lunch froid."})
    person.go(button("Envoyer le message"))
    assert d.title.startswith("Erreur") and d.find_element(By.ID, "subject").get_attribute("aria-invalid") == "true", d.title
    assert d.find_element(By.ID, "body").get_attribute("value").startswith("Rendez-vous"), "what was typed is kept"
    person.type({"subject": subject})
    person.go(button("Envoyer le message"))
    assert "Le message est envoyé. Destinataires : 1." in main_text(browser).replace("\xa0", " "), main_text(browser)
    mail = expect["sink"].wait(group["family"], subject)
    assert "Rendez-vous devant l'école" in mail["text"], mail


def refund_decided_by_the_organisation(browser, expect):
    """a refund the policy leaves to the organisation waits for its decision: a family cancels its skating lessons
    (told the city decides, at most what was paid less the fee), then the city's clerk opens the refunds to decide
    and grants part of it on a phone (an amount that is not one refused first) or refuses it at a desk (a refusal
    without a message refused first); the family receives the decision by email."""
    d, case = browser.driver, expect["refundDecision"]
    mine = case[browser.width]
    person = Mouse(browser)
    browser.open("/connexion")
    fill(browser, {"email": mine["family"], "password": expect["password"]})
    submit(browser)
    browser.click("Mon compte")
    browser.click("Mes inscriptions")
    cancel = next(a for a in d.find_elements(By.CSS_SELECTOR, "a[href$='/annulation']")
                  if mine["child"] in a.get_attribute("textContent") and "patinage" in a.get_attribute("textContent"))
    browser.navigate(lambda: cancel.click())
    text = main_text(browser).replace("\xa0", " ")
    assert "l'organisme décidera du remboursement, au plus 50,00 $" in text and mine["child"] in text, text
    submit(browser, "Confirmer l'annulation")
    assert "L'organisme décidera du remboursement" in main_text(browser), main_text(browser)
    d.delete_all_cookies()
    staff_sign_in(browser, person, case["email"], case["key"], expect["password"])
    person.go(link("Espace du personnel"))
    person.go(link(case["organisation"]))
    person.go(link("Remboursements à décider"))
    assert heading(browser) == "Remboursements à décider", heading(browser)
    rows = table_rows(browser)
    assert any(mine["child"] in r and "PATIN" in r and "50,00" in r for r in rows), rows
    person.go(css(browser, f"a[aria-label$='{mine['child']}, PATIN']"))
    assert heading(browser) == f"Décider du remboursement — {mine['child']}", heading(browser)
    assert d.find_element(By.ID, "amount").get_attribute("value") == "50,00", "the most allowed, by default"
    if browser.width == "phone":
        person.type({"amount": "vingt"})
        person.go(button("Accorder le remboursement"))
        assert d.title.startswith("Erreur") and d.find_element(By.ID, "amount").get_attribute("aria-invalid") == "true", d.title
        person.type({"amount": "20,00", "note": "La moitié, la session étant commencée."})
        person.go(button("Accorder le remboursement"))
        assert "Le remboursement est accordé" in main_text(browser), main_text(browser)
        mail = expect["sink"].wait(mine["family"], "Remboursement accordé")
        assert "20,00 $" in mail["text"] and "La moitié" in mail["text"], mail
    else:
        person.go(button("Refuser le remboursement"))
        assert d.title.startswith("Erreur") and d.find_element(By.ID, "note").get_attribute("aria-invalid") == "true", d.title
        person.type({"note": "Le règlement ne prévoit pas de remboursement après l'inscription."})
        person.go(button("Refuser le remboursement"))
        assert "Le remboursement est refusé" in main_text(browser), main_text(browser)
        mail = expect["sink"].wait(mine["family"], "Remboursement refusé")
        assert "Le règlement ne prévoit pas" in mail["text"], mail
    assert not any(mine["child"] in r for r in table_rows(browser)), "decided: no longer listed"


def releve24_issued_read_and_printed(browser, expect):
    """Relevé 24 slips issued, read and printed: a parent gives a social insurance number (one that is not one
    refused first; never shown back but masked) and agrees to receive documents by email; the platform admin opens
    the city's slips of last year, is told to enter the preparer first, enters it (a number that is not one refused
    first), generates and issues, and opens the printable copy; the parent finds the slip in the account, printable
    in French and English, and its mail."""
    d, case = browser.driver, expect["releve24"]
    person = Mouse(browser)
    browser.open("/connexion")
    fill(browser, {"email": case["family"], "password": expect["password"]})
    submit(browser)
    person.go(link("Relevés 24 (frais de garde)"))
    assert heading(browser) == "Relevés 24 (frais de garde)", heading(browser)
    person.go(lambda e: e.tag_name == "a" and "numéro d'assurance sociale" in e.text)
    person.type({"taxNumber": "123 456 789"})
    person.go(button("Enregistrer mon numéro"))
    assert d.title.startswith("Erreur") and d.find_element(By.ID, "taxNumber").get_attribute("aria-invalid") == "true", d.title
    assert "123 456 789" not in d.page_source and "123456789" not in d.page_source, "what was typed is not shown back"
    person.type({"taxNumber": case["taxNumber"]})
    person.go(button("Enregistrer mon numéro"))
    text = main_text(browser)
    assert "Votre numéro d'assurance sociale est enregistré" in text and case["masked"][-3:] in text, text
    digits = case["taxNumber"].replace(" ", "")
    assert digits not in d.page_source and case["taxNumber"] not in d.page_source, "only masked"
    if d.find_elements(By.XPATH, "//button[contains(., 'Retirer mon consentement')]"):
        person.go(button("Retirer mon consentement"))
        assert "Votre consentement est retiré" in main_text(browser), main_text(browser)
    person.go(button("J'accepte de recevoir mes documents par courriel"))
    assert "Votre consentement est enregistré" in main_text(browser), main_text(browser)
    d.delete_all_cookies()

    admin = expect["admin"]
    staff_sign_in(browser, person, admin["email"], admin["key"], expect["password"])
    person.go(link("Espace du personnel"))
    person.go(link("Organismes et personnel"))
    person.go(link(case["organisation"]))
    person.go(link("Relevés 24"))
    assert heading(browser) == f"Relevés 24 de {case['year']}", heading(browser)
    # Issuing files the slips: without the box that confirms the drafts were checked, nothing is issued (WCAG 3.3.4).
    person.go(button(f"Émettre les relevés de {case['year']}"))
    assert d.title.startswith("Erreur") and d.find_element(By.ID, "confirme").get_attribute("aria-invalid") == "true", d.title
    assert "Cochez la case qui confirme la vérification des brouillons" in main_text(browser), main_text(browser)
    if "Entrez d'abord le numéro de préparateur" in main_text(browser):
        person.tick(field("confirme"))
        person.go(button(f"Émettre les relevés de {case['year']}"))
        assert d.title.startswith("Erreur") and "Entrez d'abord le numéro de préparateur" in main_text(browser), main_text(browser)
    person.go(link("Modifier le préparateur et la plage de numéros"))
    person.type({"preparerNumber": "NP12345", "firstSequence": "10000000", "lastSequence": "10009999"})
    person.go(button("Enregistrer le préparateur"))
    assert d.title.startswith("Erreur") and d.find_element(By.ID, "preparerNumber").get_attribute("aria-invalid") == "true", d.title
    person.type({"preparerNumber": "NP123456"})
    person.go(button("Enregistrer le préparateur"))
    assert "Le préparateur et la plage de numéros sont enregistrés" in main_text(browser), main_text(browser)
    person.go(button(f"Générer les relevés de {case['year']}"))
    assert "Brouillons générés" in main_text(browser), main_text(browser)
    person.tick(field("confirme"))
    person.go(button(f"Émettre les relevés de {case['year']}"))
    assert "Relevés émis :" in main_text(browser), main_text(browser)
    rows = table_rows(browser)
    mine = [r for r in rows if case["child"] in r and "Émis" in r]
    assert mine and case["masked"] in mine[0] and case["eligible"] in mine[0].replace("\xa0", " "), rows
    file = d.find_element(By.CSS_SELECTOR, "a[href*='transmission.xml']").get_attribute("href")
    status = d.execute_async_script(
        "const done = arguments[arguments.length - 1]; fetch(arguments[0]).then(r => r.text().then(t => done([r.status, t])))", file)
    assert status[0] == 200 and "<Transmission" in status[1] and f"<NAS>{digits}</NAS>" in status[1], status[0]
    slip = next(a for a in d.find_elements(By.CSS_SELECTOR, "a[href*='/feuillets/']")
                if case["child"] in a.find_element(By.XPATH, "./ancestor::tr").text)
    browser.navigate(slip.click)
    assert heading(browser) == f"Relevé 24 de {case['year']}", heading(browser)
    text = main_text(browser)
    assert case["masked"] in text and "Case E" in text and case["eligible"] in text and "NP123456" in text, text
    d.delete_all_cookies()

    browser.open("/connexion")
    fill(browser, {"email": case["family"], "password": expect["password"]})
    submit(browser)
    browser.open("/releves-24")
    slip = next(a for a in d.find_elements(By.CSS_SELECTOR, "main table a")
                if case["child"] in a.find_element(By.XPATH, "./ancestor::tr").text)
    browser.navigate(slip.click)
    text = main_text(browser)
    assert heading(browser) == f"Relevé 24 de {case['year']}" and case["eligible"] in text and case["masked"] in text, text
    assert "Par courriel (consentement donné)" in text, text
    assert digits not in d.page_source, "only masked"
    page = urllib.parse.urlparse(d.current_url).path
    browser.open(f"/language/en?back={page}")
    assert heading(browser) == f"{case['year']} Relevé 24" and "Box E" in main_text(browser), heading(browser)
    browser.open(f"/language/fr?back={page}")
    mail = expect["sink"].wait(case["family"], "relevé 24")
    assert "/releves-24/" in mail["text"] and digits not in mail["text"], mail


def clerk_bills_a_family_who_pays_the_invoice(browser, expect):
    """clerk bills a registration to the family, who pays the invoice by card: the city's recreation clerk
    registers a resident family's child at the desk, billing the parent (without a due date, refused next to the
    field first); the record shows the invoice to pay; the parent gets the invoice by mail, opens it (printable, in
    French and English), pays it by card in the processor's frame, and finds it paid with its receipt."""
    d, case = browser.driver, expect["invoice"]
    person = Mouse(browser)
    child, code = case[browser.width]
    staff_sign_in(browser, person, case["email"], case["key"], expect["password"])
    person.go(link("Espace du personnel"))
    person.go(link(case["organisation"]))
    person.go(link("Rechercher une personne"))
    person.type({"q": "Cormier"})
    person.go(button("Rechercher"))
    person.go(link(f"Cormier, {child}"))
    person.go(link("Inscrire à un cours"))
    choose(person, "courseGroup", code)
    choose(person, "payer", case["payer"])
    person.go(button("Inscrire"))
    assert d.title.startswith("Erreur") and d.find_element(By.ID, "dueDate").get_attribute("aria-invalid") == "true", d.title
    assert Select(d.find_element(By.ID, "payer")).first_selected_option.text.startswith(case["payer"]), "the choice is kept"
    person.type({"dueDate": case["due"]})
    person.go(button("Inscrire"))
    assert "L'inscription est faite et confirmée." in main_text(browser), main_text(browser)
    rows = [r.replace("\xa0", " ") for r in table_rows(browser)]
    billed = [r for r in rows if code in r and "Famille (facturée)" in r and "à payer d'ici le" in r]
    assert billed, rows
    d.delete_all_cookies()

    mail = expect["sink"].wait(case["family"], "à payer d'ici le", count=1 if browser.width == "phone" else 2)
    text = mail["text"].replace("\xa0", " ")
    assert f"{child} Cormier" in text and code in text, text
    invoice = urllib.parse.urlparse(re.search(r"(http://\S+/factures/[0-9a-f-]{36})", text).group(1)).path
    number = re.search(r"Facture (\S+)", mail["subject"]).group(1)
    browser.open("/connexion")
    fill(browser, {"email": case["family"], "password": expect["password"]})
    submit(browser)
    browser.open(invoice)
    assert heading(browser) == f"Facture {number}", heading(browser)
    page = main_text(browser)
    assert "À payer" in page and f"{child} Cormier" in page and "À payer d'ici le" in page, page
    browser.open(f"/language/en?back={invoice}")
    assert heading(browser) == f"Invoice {number}" and "Due by" in main_text(browser), heading(browser)
    browser.open(f"/language/fr?back={invoice}")
    person.go(link("Payer cette facture par carte"))
    assert heading(browser) == f"Payer la facture {number}", heading(browser)
    pay = d.find_element(By.CSS_SELECTOR, "main form button[type=submit]").text.replace("\xa0", " ")
    assert pay.startswith("Payer ") and pay.endswith(" $"), pay
    fill(browser, {"name": "Hugo Cormier", "line1": "5, rue Mance", "city": "Baie-Comeau", "postalCode": "G4Z 1A1"})
    assert "Visa se terminant par 4242" in card_in_frame(browser, "4242424242424242")
    submit(browser, pay)
    assert heading(browser) == "Paiement accepté", heading(browser)
    assert number in main_text(browser) and f"{child} Cormier" in main_text(browser), main_text(browser)
    no_secrets_in_page(browser)
    browser.open("/factures")
    assert any(number in r and "Payée" in r for r in table_rows(browser)), table_rows(browser)
    browser.click(number)
    text = main_text(browser)
    assert "Payée" in text and "Payée, reçu" in text, text
    browser.navigate(d.find_element(By.CSS_SELECTOR, "a[href$='/recu']").click)
    assert heading(browser).startswith("Reçu ") and f"{child} Cormier" in main_text(browser), heading(browser)


def family_pays_a_summer_by_instalments(browser, expect):
    """family pays a summer camp by instalments: the city's clerk finds the camp's payment plan on its terms page
    (a deposit and two dates) and raises the deposit; the family puts a child in the cart, reads the plan, chooses
    to pay the deposit now, reviews the deposit and the instalments before paying, pays the deposit in the
    processor's frame, finds the two instalments scheduled on the payments page, and pays the first ahead of its
    date with another card."""
    d, case = browser.driver, expect["plan"]
    person = Mouse(browser)
    child = case[browser.width]
    staff_sign_in(browser, person, case["email"], case["key"], expect["password"])
    person.go(link("Espace du personnel"))
    person.go(link(case["organisation"]))
    person.go(link("Offres et listes de classe"))
    person.go(link(f"CAMP-ETE-TOUT {case['title']}"))
    person.go(link("Modifier l'offre"))
    assert d.find_element(By.ID, "instalmentDates").get_attribute("value") == " ".join(case["dates"]), "the plan's dates are shown"
    person.type({"deposit": case["deposit"]})
    person.go(button("Enregistrer les modifications"))
    assert "L'offre est modifiée." in main_text(browser), main_text(browser)
    d.delete_all_cookies()

    browser.open("/connexion")
    fill(browser, {"email": case["family"], "password": expect["password"]})
    submit(browser)
    browser.open("/activites?q=" + urllib.parse.quote_plus("tout l'été"))
    browser.click(case["title"])
    Select(d.find_element(By.ID, "participantId")).select_by_visible_text(child)
    submit(browser, "Ajouter au panier")
    text = main_text(browser).replace("\xa0", " ")
    assert "Paiement en versements possible : un dépôt de 200,00 $, puis 200,00 $ le" in text, text
    form = next(f for f in d.find_elements(By.CSS_SELECTOR, "ul.totals form") if "Baie-Comeau" in f.text)
    form.find_element(By.CSS_SELECTOR, "input[value=yes]").click()
    browser.navigate(lambda: form.find_element(By.CSS_SELECTOR, "button").click())
    assert heading(browser) == "Payer mes inscriptions", heading(browser)
    text = main_text(browser).replace("\xa0", " ")
    assert "Dépôt à payer maintenant" in text and "600,00 $" in text and text.count("200,00 $ le") == 2, text
    assert "conserve votre carte pour les versements" in text, text
    fill(browser, {"name": "Hugo Cormier", "line1": "5, rue Mance", "city": "Baie-Comeau", "postalCode": "G4Z 1A1"})
    assert "0341" in card_in_frame(browser, "4000000000000341")
    submit(browser, "Payer 200,00 $")
    assert heading(browser) == "Paiement accepté", f"{heading(browser)}: {main_text(browser)}"
    no_secrets_in_page(browser)
    browser.click("Mes paiements")
    rows = [r.replace("\xa0", " ") for r in table_rows(browser) if child in r]
    assert len(rows) == 2 and all("Prévu" in r and "200,00 $" in r for r in rows), rows
    assert "1 de 2" in rows[0] and "2 de 2" in rows[1], rows
    row = next(r for r in d.find_elements(By.CSS_SELECTOR, "table.list tbody tr") if child in r.text and "1 de 2" in r.text)
    browser.navigate(row.find_element(By.CSS_SELECTOR, "a[href^='/versements/']").click)
    assert heading(browser) == "Payer le versement 1 de 2", heading(browser)
    assert child in main_text(browser) and "Échéance" in main_text(browser), main_text(browser)
    fill(browser, {"name": "Hugo Cormier", "line1": "5, rue Mance", "city": "Baie-Comeau", "postalCode": "G4Z 1A1"})
    assert "4242" in card_in_frame(browser, "4242424242424242")
    submit(browser, "Payer 200,00 $")
    assert heading(browser) == "Paiement accepté", f"{heading(browser)}: {main_text(browser)}"
    assert "Ce versement est payé" in main_text(browser) and child in main_text(browser), main_text(browser)
    browser.click("Mes paiements")
    rows = [r.replace("\xa0", " ") for r in table_rows(browser) if child in r]
    assert "Payé" in rows[0] and "Prévu" in rows[1], rows


STAFF_JOURNEYS = (admin_grants_and_revokes_a_staff_role, staff_see_only_their_organisation, registrar_registers_moves_and_prints,
                  clerk_imports_records_with_a_bad_row, clerk_creates_previews_and_publishes, refund_shows_its_credit_note,
                  fundraiser_report_matches_the_orders, group_list_attendance_and_message, refund_decided_by_the_organisation,
                  releve24_issued_read_and_printed, clerk_bills_a_family_who_pays_the_invoice, family_pays_a_summer_by_instalments)


def run(base, artifacts, expect):
    """Runs every journey at both widths; returns (journeys, failures, pages audited, violations)."""
    artifacts = pathlib.Path(artifacts)
    artifacts.mkdir(parents=True, exist_ok=True)
    journeys, failures, pages, violations = 0, [], 0, []
    for width in WIDTHS:
        browser = Browser(base, artifacts, width)
        try:
            for journey in (browse_the_catalogue, keyboard_only, mozaik_sign_up_by_code, pay_for_the_cart, cancellation_credit_note_and_statement,
                            waitlist_offer, csspo_guest,
                            cal_adult_learner, profile_asked_by_an_outing, baie_comeau_link, two_step_verification) + STAFF_JOURNEYS:
                # The keyboard alone at a desktop's width; one waiting list for the child both guardians share.
                if (journey is keyboard_only and width == "phone") or (journey in (waitlist_offer, profile_asked_by_an_outing) and width == "desktop"):
                    continue
                journeys += 1
                browser.driver.delete_all_cookies()
                try:
                    journey(browser, expect)
                    if journey in STAFF_JOURNEYS:
                        print(f"staff: {journey.__doc__.split(':')[0].strip()} ({width})")
                except Exception as error:  # one journey's failure does not hide the others'
                    failures.append(f"{journey.__name__} at {width}: {error}\n{traceback.format_exc(limit=3)}")
        finally:
            pages += len(browser.audited)
            violations += browser.violations
            browser.close()
    print(f"browser: {journeys} journeys, {len(failures)} failed")
    print(f"axe: {pages} pages, {len(violations)} violations")
    return journeys, failures, pages, violations
