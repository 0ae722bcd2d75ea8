/// The guest checkouts this browser holds (CSSPO, registering without an account): each checkout's id, the token
/// enrolment answered with, and its payment once made. Kept in one cookie sealed with the browser's form secret;
/// the latest few only, so a parent registering two children one after the other can pay and reread both.
struct GuestCheckouts: Equatable, Sendable {
    struct Entry: Equatable, Sendable {
        var checkoutId: String
        var token: String
        var paymentId: String?
    }

    static let kept = 5

    private(set) var entries: [Entry] = []

    init(entries: [Entry] = []) { self.entries = Array(entries.suffix(Self.kept)) }

    /// `checkout token payment|-` per entry, separated by `;` (identifiers and base64url tokens hold neither).
    init(text: String) {
        self.init(
            entries: text.split(separator: ";").compactMap { item in
                let parts = item.split(separator: " ").map(String.init)
                guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
                return Entry(checkoutId: parts[0], token: parts[1], paymentId: parts[2] == "-" ? nil : parts[2])
            })
    }

    var text: String { entries.map { "\($0.checkoutId) \($0.token) \($0.paymentId ?? "-")" }.joined(separator: ";") }

    mutating func add(checkoutId: String, token: String) {
        entries.removeAll { $0.checkoutId == checkoutId }
        entries = Array((entries + [Entry(checkoutId: checkoutId, token: token)]).suffix(Self.kept))
    }

    mutating func paid(checkoutId: String, paymentId: String) {
        guard let index = entries.firstIndex(where: { $0.checkoutId == checkoutId }) else { return }
        entries[index].paymentId = paymentId
    }

    func entry(checkout id: String) -> Entry? { entries.last { $0.checkoutId == id.lowercased() } }
    func entry(payment id: String) -> Entry? { entries.last { $0.paymentId == id.lowercased() } }
}
