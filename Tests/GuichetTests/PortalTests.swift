import DomainKit
import Foundation
import Testing

@testable import Portal

/// The portal's own logic: texts in both languages, money and dates as each language writes them, where the
/// language switch may send people back to.
@Suite struct PortalTests {
    @Test func everyTextExistsInBothLanguages() {
        for key in Text.allCases {
            let french = Strings.french[key]
            let english = Strings.english[key]
            #expect(french.map { !$0.isEmpty } == true, "no French text for \(key)")
            #expect(english.map { !$0.isEmpty } == true, "no English text for \(key)")
        }
        // Words that are the same in both languages; anything else still in French on the English side is a miss.
        let same: Set<Text> = [
            .siteName, .code, .dates, .allergies, .participant, .taxes, .total, .province, .paidOn, .organisationKind, .changedAt, .actions,
            .attendanceDate, .attendanceAbsent, .messageBody, .itemDate,
        ]
        let untranslated = Text.allCases.filter { !same.contains($0) && Strings.french[$0] == Strings.english[$0] }
        #expect(untranslated.isEmpty, "the same text in both languages: \(untranslated)")
    }

    @Test func moneyAndNumbersAreWrittenAsEachLanguageWritesThem() {
        #expect(Formatting.money(cents: 123_450, .fr) == "1\u{00A0}234,50\u{00A0}$")
        #expect(Formatting.money(cents: 123_450, .en) == "$1,234.50")
        #expect(Formatting.money(cents: 3_500, .fr) == "35,00\u{00A0}$")
        #expect(Formatting.money(cents: 5, .en) == "$0.05")
        #expect(Formatting.money(cents: -1_000_000, .en) == "-$10,000.00")
        #expect(Formatting.number(1_234_567, .fr) == "1\u{00A0}234\u{00A0}567")
        #expect(Formatting.number(999, .en) == "999")
    }

    @Test func datesAreInWordsInTheOrganisationsTimeZone() {
        #expect(Formatting.day("2027-07-03", .fr) == "3 juillet 2027")
        #expect(Formatting.day("2027-07-03", .en) == "July 3, 2027")
        #expect(Formatting.day("not a date", .en) == "not a date")
        // Times as Quebec writes them, in the organisations' zone (13:05 UTC is 9:05 in Montreal in July).
        let morning = Date(timeIntervalSince1970: 1_814_619_900)  // 2027-07-03T13:05:00Z
        #expect(DateText.time(morning, .fr) == "9\u{00A0}h\u{00A0}05")
        #expect(DateText.time(morning.addingTimeInterval(3 * 3600 - 300), .fr) == "12\u{00A0}h")
        #expect(DateText.dayAndTime(morning, .fr) == "3 juillet 2027 à 9\u{00A0}h\u{00A0}05")
    }

    @Test func theLanguageSwitchOnlyGoesBackToThisSite() {
        #expect(LanguageChoice.safeBack("/activites?q=zoo") == "/activites?q=zoo")
        for hostile in ["//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)", nil, "/a\u{0007}b"] {
            #expect(LanguageChoice.safeBack(hostile) == "/activites", "\(String(describing: hostile))")
        }
        #expect(LanguageChoice.switchHref(to: .en, back: "/activites?q=zoo&sort=price") == "/language/en?back=/activites%3Fq%3Dzoo%26sort%3Dprice")
    }

    @Test func theSearchFormKeepsWhatTheCatalogueAcceptsAndDropsTheRest() {
        let values = [
            "q": "  zoo  ", "organisation": "not-a-uuid", "category": "8F1C2B1E-0D8A-4F0E-9E59-3C1A2B3C4D5E", "sort": "cheapest",
            "hasSeats": "true",
        ]
        let query = CatalogueQuery { values[$0] }
        #expect(query.words == "zoo")
        #expect(query.organisation == nil && query.sort == nil)
        #expect(query.category == "8f1c2b1e-0d8a-4f0e-9e59-3c1a2b3c4d5e")
        #expect(query.href(cursor: "abc") == "/activites?q=zoo&category=8f1c2b1e-0d8a-4f0e-9e59-3c1a2b3c4d5e&hasSeats=true&cursor=abc")
    }

    @Test func formQueriesReadPlusAsASpace() {
        let query = FormQuery("q=zoo+granby&back=%2Factivites%3Fq%3Da%2Bb&q=second&empty=&bad=%E0%A4%A")
        #expect(query["q"] == "zoo granby")
        #expect(query["back"] == "/activites?q=a+b")
        #expect(query["empty"] == "")
        #expect(query["bad"] == nil && query["missing"] == nil)
    }

    /// A quote followed by a combining accent is one Character: it must still be escaped, or it ends the attribute.
    @Test func aQuoteWithACombiningMarkCannotLeaveTheSearchField() throws {
        let pages = try Pages()
        let attack = "\"\u{301} autofocus onfocus=alert(1) x="
        let html =
            pages.library.render(
                ["query": ["q": attack], "t": Strings.table(.fr)] as [String: Any], withTemplate: "catalogue") ?? ""
        #expect(html.contains("value=\"&quot;\u{301} autofocus onfocus=alert(1) x=\""), "\(html.prefix(800))")
        #expect(!html.contains("value=\"\"\u{301}"))
    }

    @Test func aPlusTypedInASearchStaysAPlusInItsLinks() {
        let values = ["q": "C++"]
        let query = CatalogueQuery { values[$0] }
        let link = query.href(cursor: nil)
        #expect(link == "/activites?q=C%2B%2B")
        #expect(FormQuery(String(link.dropFirst("/activites?".count)))["q"] == "C++")
    }

    /// The payment page frames the processor's card entry and holds no card field of its own: the number is typed
    /// on the processor's origin. Its CSP lets that origin alone into frames; other pages frame nothing.
    @Test func thePaymentPageFramesTheProcessorAloneAndHasNoCardField() throws {
        let pages = try Pages()
        var page = FormPage(heading: "Payer", action: "/caisse/x/payer", submit: "Payer")
        page.fields = [.init(name: "name", label: "Nom", autocomplete: "cc-name")]
        page.cardEntry = .init(
            src: "http://127.0.0.1:8090/hosted/card-entry?origin=http://127.0.0.1:8080&lang=fr", origin: "http://127.0.0.1:8090")
        var values = page.context(formToken: "token", language: .fr)
        values["t"] = Strings.table(.fr)
        let html = try #require(pages.library.render(values, withTemplate: "form"))
        #expect(html.contains(#"<iframe id="card-frame" src="http://127.0.0.1:8090/hosted/card-entry?origin=http://127.0.0.1:8080&amp;lang=fr""#))
        #expect(html.contains(#"<input type="hidden" name="cardToken""#))
        #expect(html.contains(#"data-processor-origin="http://127.0.0.1:8090""#))
        for cardField in ["cc-number", "cc-csc", "cc-exp", #"name="number""#, #"name="cvc""#] {
            #expect(!html.contains(cardField), "the portal's page has a card field: \(cardField)")
        }
        let framing = pages.render(
            "form", title: "Payer", context: values, language: .fr, path: "/caisse/x", cardEntryOrigin: page.cardEntry?.origin)
        let policy = try #require(framing.headers[.contentSecurityPolicy])
        #expect(policy.hasSuffix("; frame-src http://127.0.0.1:8090"))
        #expect(policy.contains("frame-ancestors 'none'") && policy.contains("script-src 'self'") && !policy.contains("unsafe-inline"))
        let plain = pages.render("form", title: "Compte", context: values, language: .fr, path: "/compte")
        #expect(plain.headers[.contentSecurityPolicy] == Pages.contentSecurityPolicy)
    }

    /// A double click sends the same attempt key (one checkout, one charge); a key that is not one the page made
    /// is replaced rather than passed on.
    @Test func anAttemptKeyIsTheOnePageMadeOrANewOne() {
        let made = "0f8d1c9e-3b2a-4c5d-8e7f-6a5b4c3d2e1f"
        #expect(CheckoutPages.attemptKey(made) == made)
        #expect(CheckoutPages.attemptKey(made.uppercased()) == made)
        let replaced = CheckoutPages.attemptKey("anything else")
        #expect(UUID(uuidString: replaced) != nil && replaced != CheckoutPages.attemptKey("anything else"))
    }

    /// A quantity field carries its bounds and unit price for the live total, and the total is an `<output>`; what
    /// enrolment refuses on a guest's line is said next to the page's own field.
    @Test func quantitiesCarryTheirBoundsAndAGuestsRefusalsFindTheirFields() throws {
        let pages = try Pages()
        var page = FormPage(heading: "Invité", action: "/activites/x/invite", submit: "Réserver")
        var lunches = FormPage.Field(name: "qty-1", label: "Macaroni", kind: .number, value: "0", inputmode: "numeric")
        lunches.maximum = 3
        lunches.unitCents = 550
        page.fields = [lunches]
        page.liveTotal = "0,00\u{00A0}$"
        var values = page.context(formToken: "token", language: .fr)
        values["t"] = Strings.table(.fr)
        let html = try #require(pages.library.render(values, withTemplate: "form"))
        #expect(html.contains(#"type="number" id="qty-1" name="qty-1" value="0" min="0" max="3" data-unit-cents="550""#))
        #expect(html.contains(#"<output id="items-total">"#))
        #expect(GuestPages.formField("lines[0].participant.birthDate") == "childBirthDate")
        #expect(GuestPages.formField("lines[0].contractAcceptance") == "contract")
        #expect(GuestPages.formField("guest.email") == "email")
        #expect(GuestPages.formField("lines[1].sessionId") == nil)
        // An item's refusal names its index among the items sent, which are those with a quantity.
        #expect(GuestPages.formField("lines[0].items[1].quantity", items: ["a", "c"], firstItem: "a") == "qty-c")
        #expect(GuestPages.formField("lines[0].items[2].quantity", items: ["a", "c"], firstItem: "a") == nil)
        #expect(GuestPages.formField("lines[0].items", items: [], firstItem: "a") == "qty-a")
    }

    /// A guest's checkouts in one browser: two children registered one after the other can both be paid and
    /// reread; the latest five are kept; the text survives the cookie and nothing else is read from it.
    @Test func aBrowserKeepsItsLatestGuestCheckouts() {
        var held = GuestCheckouts()
        for index in 1...6 { held.add(checkoutId: "c\(index)", token: "t\(index)") }
        #expect(held.entries.map(\.checkoutId) == ["c2", "c3", "c4", "c5", "c6"])
        held.paid(checkoutId: "c3", paymentId: "p3")
        let reread = GuestCheckouts(text: held.text)
        #expect(reread == held)
        #expect(reread.entry(checkout: "c3")?.token == "t3" && reread.entry(payment: "p3")?.checkoutId == "c3")
        #expect(reread.entry(checkout: "c1") == nil && reread.entry(payment: "p4") == nil)
        #expect(GuestCheckouts(text: "broken;c9 t9 -;x").entries.map(\.checkoutId) == ["c9"])
    }
}
