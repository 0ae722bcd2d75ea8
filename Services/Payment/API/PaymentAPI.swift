import Contracts
import Foundation
import Messaging
import ServiceKit

/// Implements the operations generated from `openapi.yaml`.
struct PaymentAPI: APIProtocol {
    let payments: PaymentStore
    let refunds: RefundStore
    let history: HistoryRepository
    let taxNumbers: TaxNumberStore
    let releve24: Releve24Store
    let invoices: InvoiceStore
    let instalments: InstalmentStore
    let receiptPage: ReceiptPage
    let clock: any WallClock

    /// Who is asking: a signed-in account, or a guest holding a checkout's token.
    static func payer(guestToken: String?) throws -> PaymentStore.Payer {
        if let principal = RequestScope.current?.principal { return .account(principal.accountId) }
        guard let guestToken, !guestToken.isEmpty else { throw Problem.unauthenticated }
        return .guest(tokenSHA256: Hex.sha256(guestToken))
    }

    func createPayment(_ input: Operations.CreatePayment.Input) async throws -> Operations.CreatePayment.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedRequest("Expected application/json.") }
        let key = try Idempotency.key(input.headers.idempotencyKey)
        let payer = try Self.payer(guestToken: input.headers.guestToken)
        var errors: [FieldError] = []
        let checkoutId = UUID(uuidString: body.checkoutId)
        if checkoutId == nil { errors.append(.invalidIdentifier("checkoutId")) }
        let (token, address) = Self.card(body.cardToken, billedTo: body.billingAddress, errors: &errors)
        guard errors.isEmpty, let checkoutId, let address else { throw Problem.validation(errors) }
        let payment = try await payments.pay(
            .init(checkoutId: checkoutId, cardToken: token, billingAddress: address, key: key, requestHash: try Idempotency.requestHash(body)),
            payer: payer, now: clock.now())
        RequestScope.setResponseHeader(.location, "/v1/payments/\(payment.id.uuidString.lowercased())")
        switch payment.status {
        case .succeeded, .declined: return .created(.init(body: .json(Self.representation(payment))))
        case .pending, .unknown: return .accepted(.init(body: .json(Self.representation(payment))))
        }
    }

    /// The card's token and the billing address a payment form sent, or their field errors.
    static func card(
        _ cardToken: String, billedTo given: Components.Schemas.BillingAddress, errors: inout [FieldError]
    ) -> (token: String, address: BillingAddress?) {
        let token = cardToken.trimmingCharacters(in: .whitespaces)
        if token.isEmpty { errors.append(.required("cardToken")) }
        do {
            let address = try BillingAddress.validated(
                name: given.name, line1: given.line1, line2: given.line2, city: given.city, province: given.province, postalCode: given.postalCode,
                country: given.country)
            return (token, address)
        } catch {
            errors += error.errors
            return (token, nil)
        }
    }

    func getPayment(_ input: Operations.GetPayment.Input) async throws -> Operations.GetPayment.Output {
        guard let id = UUID(uuidString: input.path.paymentId), try await mayRead(payment: id, guestToken: input.headers.guestToken),
            let payment = try await payments.find(id: id)
        else { throw Problem.notFound }
        return .ok(.init(body: .json(Self.representation(payment))))
    }

    func getReceipt(_ input: Operations.GetReceipt.Input) async throws -> Operations.GetReceipt.Output {
        guard let id = UUID(uuidString: input.path.paymentId), try await mayRead(payment: id, guestToken: input.headers.guestToken),
            let (receipt, _, _, _) = try await history.receipt(payment: id)
        else { throw Problem.notFound }
        if ContentNegotiation.prefers(.html, over: .json, in: input.headers.accept) {
            return .ok(.init(body: .html(.init(receiptPage.render(receipt)))))
        }
        return .ok(.init(body: .json(try Self.convert(receipt))))
    }

    func listMyPayments(_ input: Operations.ListMyPayments.Input) async throws -> Operations.ListMyPayments.Output {
        let payer = try RequestScope.requirePrincipal().accountId
        let page = try PageRequest(limit: input.query.limit, cursor: input.query.cursor)
        let before = try page.afterTimeAndID().map { (createdMicros: $0.micros, id: $0.id) }
        let rows = try await history.payments(payer: payer, before: before, limit: page.fetchLimit)
        let (items, nextCursor) = page.page(rows) { PageRequest.timeAndIDKey(micros: $0.1, id: $0.0.id) }
        return .ok(.init(body: .json(.init(items: items.map { Self.representation($0.0) }, nextCursor: nextCursor))))
    }

    func listParticipantPayments(_ input: Operations.ListParticipantPayments.Input) async throws -> Operations.ListParticipantPayments.Output {
        let payer = try RequestScope.requirePrincipal().accountId
        guard let participant = UUID(uuidString: input.path.participantId) else { throw Problem.notFound }
        let lines = try await history.participant(participant, payer: payer)
        return .ok(
            .init(
                body: .json(
                    .init(
                        items: lines.map {
                            .init(
                                paymentId: $0.paymentId.uuidString.lowercased(), receiptNumber: $0.receiptNumber, paidAt: $0.paidAt,
                                offeringCode: $0.offeringCode,
                                title: .init(fr: $0.title.fr, en: $0.title.en), total: Self.money($0.totalCents),
                                paymentRefunded: Self.money($0.paymentRefundedCents))
                        }))))
    }

    func getMyStatement(_ input: Operations.GetMyStatement.Input) async throws -> Operations.GetMyStatement.Output {
        let payer = try RequestScope.requirePrincipal().accountId
        var participant: UUID?
        if let given = input.query.participant {
            guard let id = UUID(uuidString: given) else { throw Problem.validation([.invalidIdentifier("participant")]) }
            participant = id
        }
        let statement = try await history.statement(payer: payer, year: input.query.year, participant: participant)
        return .ok(.init(body: .json(Self.representation(statement))))
    }

    static func representation(_ statement: Statement) -> Components.Schemas.Statement {
        .init(
            year: statement.year, participantId: statement.participantId?.uuidString.lowercased(),
            entries: statement.entries.map { entry in
                .init(
                    kind: entry.kind == .payment ? .payment : .refund, date: entry.date, document: entry.document,
                    paymentId: entry.receipt.paymentId.uuidString.lowercased(), refundId: entry.refundId?.uuidString.lowercased(),
                    receiptNumber: entry.kind == .refund ? entry.receipt.number : nil, reason: entry.reason,
                    organisation: .init(
                        id: entry.receipt.organisation.id.uuidString.lowercased(),
                        name: .init(fr: entry.receipt.organisation.name.fr, en: entry.receipt.organisation.name.en)),
                    lines: entry.lines.map {
                        .init(
                            registrationId: $0.registrationId.uuidString.lowercased(), participantId: $0.participantId.uuidString.lowercased(),
                            participantName: $0.participantName, offeringCode: $0.offeringCode, title: .init(fr: $0.title.fr, en: $0.title.en),
                            total: money($0.total.amountCents))
                    }, amount: money(entry.amountCents))
            }, paid: money(statement.paidCents), refunded: money(statement.refundedCents),
            net: money(statement.paidCents - statement.refundedCents))
    }

    func listOrganisationPayments(_ input: Operations.ListOrganisationPayments.Input) async throws -> Operations.ListOrganisationPayments.Output {
        let principal = try RequestScope.requirePrincipal()
        guard let organisation = UUID(uuidString: input.query.organisation) else { throw Problem.validation([.invalidIdentifier("organisation")]) }
        guard principal.isStaff(of: organisation) else { throw Problem.forbidden }
        let lines = try await history.organisation(organisation, year: input.query.year)
        if ContentNegotiation.prefers(.csv, over: .json, in: input.headers.accept) {
            var csv = "receiptNumber,paidAt,payerName,payerEmail,participantName,offeringCode,subtotal,taxes,total,paymentRefunded,releve24\n"
            for line in lines {
                csv += CSVText.row([
                    line.receiptNumber, line.paidAt.formatted(.iso8601), line.payerName, line.payerEmail, line.participantName, line.offeringCode,
                    MoneyText.plain(line.subtotalCents), MoneyText.plain(line.taxCents), MoneyText.plain(line.totalCents),
                    MoneyText.plain(line.paymentRefundedCents),
                    line.releve24 ? "yes" : "no",
                ])
            }
            return .ok(.init(body: .csv(.init(csv))))
        }
        return .ok(
            .init(
                body: .json(
                    .init(
                        items: lines.map {
                            .init(
                                paymentId: $0.paymentId.uuidString.lowercased(), receiptNumber: $0.receiptNumber, paidAt: $0.paidAt,
                                payerAccountId: $0.payerAccountId?.uuidString.lowercased(), payerName: $0.payerName, payerEmail: $0.payerEmail,
                                participantId: $0.participantId.uuidString.lowercased(), participantName: $0.participantName,
                                offeringCode: $0.offeringCode,
                                subtotal: Self.money($0.subtotalCents), taxes: Self.money($0.taxCents), total: Self.money($0.totalCents),
                                paymentRefunded: Self.money($0.paymentRefundedCents), releve24: $0.releve24)
                        }))))
    }

    func createRefund(_ input: Operations.CreateRefund.Input) async throws -> Operations.CreateRefund.Output {
        let principal = try RequestScope.requirePrincipal()
        guard case .json(let body) = input.body else { throw Problem.malformedRequest("Expected application/json.") }
        let key = try Idempotency.key(input.headers.idempotencyKey)
        guard let paymentId = UUID(uuidString: input.path.paymentId), let owners = try await history.owners(payment: paymentId) else {
            throw Problem.notFound
        }
        guard principal.isStaff(of: owners.organisation) else {
            throw owners.payer == principal.accountId ? Problem.forbidden : Problem.notFound
        }
        var errors: [FieldError] = []
        let reason = body.reason.trimmingCharacters(in: .whitespacesAndNewlines)
        if reason.isEmpty { errors.append(.required("reason")) }
        let registrations = (body.registrationIds ?? []).enumerated().map { ($0.offset, UUID(uuidString: $0.element)) }
        for (index, id) in registrations where id == nil { errors.append(.invalidIdentifier("registrationIds[\(index)]")) }
        guard errors.isEmpty else { throw Problem.validation(errors) }
        let request = RefundStore.Request(
            amountCents: body.amountCents, reason: reason, refundRequestId: nil, registrationIds: registrations.compactMap(\.1),
            requestedBy: principal.accountId)
        let id = try await refunds.requestByStaff(
            request, payment: paymentId, scope: principal.accountId.uuidString.lowercased(), key: key, requestHash: try Idempotency.requestHash(body),
            at: clock.now())
        try await refunds.process(id, logger: RequestScope.logger)
        guard let (refund, _, _) = try await refunds.find(id: id) else { throw Problem.notFound }
        RequestScope.setResponseHeader(.location, "/v1/refunds/\(id.uuidString.lowercased())")
        return .accepted(.init(body: .json(Self.representation(refund))))
    }

    func listPaymentRefunds(_ input: Operations.ListPaymentRefunds.Input) async throws -> Operations.ListPaymentRefunds.Output {
        _ = try RequestScope.requirePrincipal()
        guard let id = UUID(uuidString: input.path.paymentId), try await mayRead(payment: id, guestToken: nil) else { throw Problem.notFound }
        return .ok(.init(body: .json(.init(items: try await refunds.refunds(payment: id).map(Self.representation)))))
    }

    func getRefund(_ input: Operations.GetRefund.Input) async throws -> Operations.GetRefund.Output {
        let principal = try RequestScope.requirePrincipal()
        guard let id = UUID(uuidString: input.path.refundId), let (refund, organisation, payer) = try await refunds.find(id: id),
            principal.isStaff(of: organisation) || payer == principal.accountId
        else { throw Problem.notFound }
        return .ok(.init(body: .json(Self.representation(refund))))
    }

    /// The payer (account, or guest with the checkout's token) and the selling organisation's staff.
    func mayRead(payment: UUID, guestToken: String?) async throws -> Bool {
        guard let owners = try await history.owners(payment: payment) else { return false }
        if let principal = RequestScope.current?.principal {
            return owners.payer == principal.accountId || principal.isStaff(of: owners.organisation)
        }
        guard case .guest(let digest) = try Self.payer(guestToken: guestToken) else { return false }
        return owners.guestTokenSHA256 == digest
    }

    static func money(_ cents: Int64) -> Components.Schemas.Money { .init(amountCents: cents, currency: .cad) }

    static func representation(_ payment: Payment) -> Components.Schemas.Payment {
        .init(
            id: payment.id.uuidString.lowercased(), checkoutId: payment.checkoutId.uuidString.lowercased(),
            sellingOrganisationId: payment.sellingOrganisationId.uuidString.lowercased(), amount: money(payment.amountCents),
            refunded: money(payment.refundedCents), status: .init(rawValue: payment.status.rawValue)!,
            failure: payment.status == .declined
                ? payment.failureCode.map {
                    let message = DeclineReason.message($0)
                    return .init(code: $0, message: .init(fr: message.fr, en: message.en))
                } : nil,
            card: payment.card.map { .init(brand: $0.brand, last4: $0.last4, expMonth: $0.expMonth, expYear: $0.expYear) },
            receiptNumber: payment.receiptNumber, createdAt: payment.createdAt, settledAt: payment.settledAt)
    }

    static func representation(_ refund: PaymentRefund) -> Components.Schemas.Refund {
        .init(
            id: refund.id.uuidString.lowercased(), paymentId: refund.paymentId.uuidString.lowercased(), amount: money(refund.amountCents),
            status: .init(rawValue: refund.status.rawValue)!, reason: refund.reason, refundRequestId: refund.refundRequestId?.uuidString.lowercased(),
            registrationIds: refund.registrationIds.map { $0.uuidString.lowercased() }, receiptNumber: refund.receiptNumber,
            creditNoteNumber: refund.creditNoteNumber, failureCode: refund.failureCode,
            createdAt: refund.createdAt, completedAt: refund.completedAt)
    }

    /// The stored receipt and the schema share their shape; one JSON round trip converts (dates as RFC 3339).
    static func convert(_ receipt: Receipt) throws -> Components.Schemas.Receipt {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(Components.Schemas.Receipt.self, from: encoder.encode(receipt))
    }
}

/// What a payer reads when the card is refused.
enum DeclineReason {
    static func message(_ code: String) -> (fr: String, en: String) {
        switch code {
        case "insufficient_funds": ("Fonds insuffisants. Essayez une autre carte.", "Insufficient funds. Try another card.")
        case "expired_card": ("La carte est expirée. Essayez une autre carte.", "The card has expired. Try another card.")
        case "incorrect_cvc": ("Le code de sécurité (CVC) est incorrect.", "The security code (CVC) is incorrect.")
        case "processing_error":
            (
                "Le traitement de la carte a échoué ; rien n'a été débité. Réessayez.",
                "The card could not be processed; nothing was charged. Try again."
            )
        case "token_already_used", "invalid_token":
            ("Les renseignements de la carte ont expiré ; entrez-les de nouveau.", "The card details have expired; enter them again.")
        case "not_charged": ("Le paiement n'a pas abouti ; rien n'a été débité.", "The payment did not go through; nothing was charged.")
        default: ("La carte a été refusée. Essayez une autre carte.", "The card was declined. Try another card.")
        }
    }
}
