import Contracts
import Foundation
import ServiceKit

extension EnrolmentAPI {
    func createCheckout(_ input: Operations.CreateCheckout.Input) async throws -> Operations.CreateCheckout.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedRequest("Expected application/json.") }
        let key = try Idempotency.key(input.headers.idempotencyKey)
        let now = clock.now()
        let checkout: Checkout
        if let principal = RequestScope.current?.principal {
            guard body.guest == nil, body.lines == nil else {
                throw Problem.validation([
                    .init(
                        field: "guest", code: "signedIn",
                        message: .init(fr: "Connecté, vous payez les lignes de votre panier.", en: "Signed in, you pay for your cart's lines."))
                ])
            }
            var errors: [FieldError] = []
            guard let text = body.sellingOrganisationId, let seller = Self.uuid(text, field: "sellingOrganisationId", into: &errors) else {
                throw Problem.validation(errors.isEmpty ? [.required("sellingOrganisationId")] : errors)
            }
            let lines = try await cart.list(account: principal.accountId).filter { $0.offering.sellingOrganisationId == seller }
            guard !lines.isEmpty else { throw Problem.cartEmpty }
            checkout = try await checkouts.checkout(
                payer: .account(principal.accountId), sellingOrganisationId: seller, lines: lines.map(\.request),
                idempotency: .init(scope: principal.accountId.uuidString.lowercased(), key: key, requestHash: try Idempotency.requestHash(body)),
                now: now, paymentPlans: body.paymentPlan ?? false)
        } else {
            // Instalments are charged later and, when refused, paid from an account: a guest pays in full.
            guard body.paymentPlan != true else {
                throw Problem.validation([
                    .init(
                        field: "paymentPlan", code: "accountRequired",
                        message: .init(
                            fr: "Pour payer en versements, connectez-vous ou créez un compte.",
                            en: "To pay by instalments, sign in or create an account."))
                ])
            }
            let (payer, lines) = try Self.guestRequest(body, now: now)
            // Each guest's keys are their own: one guest's key never answers another guest's checkout.
            guard case .guest(let email, _, _) = payer else { throw Problem.internalError }
            checkout = try await checkouts.checkout(
                payer: payer, sellingOrganisationId: nil, lines: lines,
                idempotency: .init(scope: "guest:" + Hex.sha256(email), key: key, requestHash: try Idempotency.requestHash(body)), now: now,
                clientAddress: RequestScope.current?.clientAddress, paymentPlans: body.paymentPlan ?? false)
        }
        RequestScope.setResponseHeader(.location, "/v1/checkouts/\(checkout.id.uuidString.lowercased())")
        return .created(.init(body: .json(representation(checkout))))
    }

    func getCheckout(_ input: Operations.GetCheckout.Input) async throws -> Operations.GetCheckout.Output {
        let account = RequestScope.current?.principal?.accountId
        guard let id = UUID(uuidString: input.path.checkoutId),
            let checkout = try await checkouts.find(id: id, account: account, guestToken: input.headers.guestToken)
        else { throw Problem.notFound }
        return .ok(.init(body: .json(representation(checkout))))
    }

    func extendCheckoutHold(_ input: Operations.ExtendCheckoutHold.Input) async throws -> Operations.ExtendCheckoutHold.Output {
        let account = RequestScope.current?.principal?.accountId
        guard let id = UUID(uuidString: input.path.checkoutId),
            let checkout = try await checkouts.extendHold(id: id, account: account, guestToken: input.headers.guestToken, now: clock.now())
        else { throw Problem.notFound }
        return .ok(.init(body: .json(representation(checkout))))
    }

    func listRegistrations(_ input: Operations.ListRegistrations.Input) async throws -> Operations.ListRegistrations.Output {
        let account = try RequestScope.requirePrincipal().accountId
        let page = try PageRequest(limit: input.query.limit, cursor: input.query.cursor)
        let after = try page.afterTimeAndID().map { ($0.micros, $0.id) }
        let rows = try await checkouts.registrations(account: account, after: after, limit: page.fetchLimit)
        let (items, nextCursor) = page.page(rows) { PageRequest.timeAndIDKey(micros: $0.createdMicros, id: $0.id) }
        let attached = try await documents.attached(to: items.map { .registration($0.id) })
        return .ok(
            .init(
                body: .json(
                    .init(
                        items: items.map {
                            .init(
                                id: $0.id.uuidString.lowercased(), checkoutId: $0.checkoutId?.uuidString.lowercased(),
                                participantId: $0.participantId.uuidString.lowercased(), offeringId: $0.offeringId.uuidString.lowercased(),
                                sessionId: $0.sessionId.uuidString.lowercased(), status: .init(rawValue: $0.status) ?? .expired,
                                amount: Self.money($0.amountCents), createdAt: $0.createdAt, interventionPlan: Self.planRules($0.planRules),
                                documents: (attached[$0.id] ?? []).map(Self.representation), cancellation: $0.cancellation.map(Self.representation))
                        }, nextCursor: nextCursor))))
    }

    static func representation(_ cancellation: CheckoutStore.CancellationFacts) -> Components.Schemas.RegistrationCancellation {
        .init(
            reason: cancellation.reason,
            policy: cancellation.policy.map { .init(kind: $0.kind, administrationFee: $0.administrationFee.map { money($0.amountCents) }) },
            refund: cancellation.refund.map {
                .init(
                    status: .init(rawValue: $0.status) ?? .requested, amount: $0.amountCents.map(money),
                    paymentId: $0.paymentId?.uuidString.lowercased(),
                    refundId: $0.refundId?.uuidString.lowercased(), decisionNote: $0.decisionNote)
            })
    }

    /// A guest's payer and lines, every field checked and every error reported at once.
    static func guestRequest(_ body: Components.Schemas.CheckoutRequest, now: Date) throws(Problem) -> (CheckoutPayer, [CheckoutRequestLine]) {
        var errors: [FieldError] = []
        guard let guest = body.guest, let lines = body.lines, !lines.isEmpty else {
            throw .validation([.required(body.guest == nil ? "guest" : "lines")])
        }
        let email = EmailAddress.normalized(guest.email)
        if !EmailAddress.isPlausible(email) {
            errors.append(
                .init(field: "guest.email", code: "invalidEmail", message: .init(fr: "Adresse courriel invalide.", en: "Invalid email address.")))
        }
        let first = guest.firstName.trimmingCharacters(in: .whitespaces)
        let last = guest.lastName.trimmingCharacters(in: .whitespaces)
        if first.isEmpty { errors.append(.required("guest.firstName")) }
        if last.isEmpty { errors.append(.required("guest.lastName")) }
        var requests: [CheckoutRequestLine] = []
        for (index, line) in lines.enumerated() {
            let prefix = "lines[\(index)]."
            var participant: NewParticipant?
            do {
                participant = try NewParticipant.validated(
                    firstName: line.participant.firstName, lastName: line.participant.lastName, birthDate: line.participant.birthDate, today: now)
            } catch {
                errors += error.errors.map { FieldError(field: prefix + "participant." + $0.field, code: $0.code, message: $0.message) }
            }
            let offering = uuid(line.offeringId, field: prefix + "offeringId", into: &errors)
            let session = uuid(line.sessionId, field: prefix + "sessionId", into: &errors)
            let origin = line.organisationOfOriginId.flatMap { uuid($0, field: prefix + "organisationOfOriginId", into: &errors) }
            let items = quantities(line.items, prefix: prefix, into: &errors)
            let profile = line.profile.map(Self.profile)
            errors += (profile?.errors() ?? []).map { FieldError(field: prefix + "profile." + $0.field, code: $0.code, message: $0.message) }
            if let participant, let offering, let session {
                requests.append(
                    .init(
                        participant: .new(participant), offeringId: offering, sessionId: session, organisationOfOriginId: origin, items: items,
                        contractVersion: line.contractAcceptedVersion, contractAcceptedAt: line.contractAcceptedVersion == nil ? nil : now,
                        cartLineId: nil,
                        guestProfile: profile))
            }
        }
        guard errors.isEmpty else { throw .validation(errors) }
        return (.guest(email: email, name: "\(first) \(last)", language: guest.language?.rawValue ?? "fr"), requests)
    }

    func representation(_ checkout: Checkout) -> Components.Schemas.Checkout {
        let details = checkout.details
        let instalments = Dictionary(grouping: details.instalments ?? [], by: \.line.registrationId)
        return .init(
            id: checkout.id.uuidString.lowercased(), status: .init(rawValue: checkout.status.rawValue) ?? .expired,
            sellingOrganisationId: details.sellingOrganisationId.uuidString.lowercased(),
            lines: details.lines.map { line in
                let taxes = line.taxes.reduce(0) { $0 + $1.amount.amountCents }
                return .init(
                    registrationId: line.registrationId.uuidString.lowercased(), participantId: line.participantId.uuidString.lowercased(),
                    participantName: line.participantName, offeringId: line.offeringId.uuidString.lowercased(), offeringCode: line.offeringCode,
                    offeringTitle: .init(fr: line.offeringTitle.fr, en: line.offeringTitle.en), sessionId: line.sessionId.uuidString.lowercased(),
                    price: .init(
                        unitPrice: Self.money(line.unitPrice.amountCents), items: line.items.map(Self.representation),
                        taxes: line.taxes.map(Self.representation), subtotal: Self.money(line.subtotal.amountCents),
                        total: Self.money(line.subtotal.amountCents + taxes)),
                    paymentPlan: line.planPart == nil
                        ? nil
                        : Self.representation(
                            deposit: line.totalCents,
                            instalments: (instalments[line.registrationId] ?? []).map { ($0.dueDate, $0.line.totalCents) }))
            },
            total: Self.money(details.total.amountCents), holdExpiresAt: details.holdExpiresAt,
            holdExtensionsLeft: checkout.status == .awaitingPayment ? checkout.holdExtensionsLeft : 0,
            guestToken: details.payer.accountId == nil ? checkouts.guestTokens.token(for: checkout.id) : nil, createdAt: checkout.createdAt)
    }
}
