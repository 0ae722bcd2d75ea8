import EnrolmentClient
import Foundation
import Hummingbird
import ServiceKit

/// The documents of an organisation's registrations (intervention plans), for its staff: what each is and whose,
/// opened through the portal as an attachment (`/documents/{id}`, every opening logged by enrolment), and for the
/// organisation's admin the log of who opened which, when.
struct DocumentDeskPages: Sendable {
    let registrar: RegistrarPages
    let enrolment: EnrolmentClient.Client

    func register(on router: Router<GuichetRequestContext>) {
        router.get("/staff/organisations/:organisationId/documents") { request, context in
            try await documentsPage(request, organisation: try context.parameters.require("organisationId"))
        }
    }

    func documentsPage(_ request: Request, organisation: String) async throws -> Response {
        let language = LanguageChoice.of(request)
        let t = { Strings.text($0, language) }
        return try await registrar.organisationPage(request, organisation) { session, found in
            let (documents, reads) = try await registrar.acting(session) {
                async let documents = enrolment.listOrganisationDocuments(path: .init(organisationId: found.id), query: .init(limit: 100))
                async let reads = enrolment.listDocumentReads(path: .init(organisationId: found.id), query: .init(limit: 100))
                return (try await documents, try await reads)
            }
            guard case .ok(let ok) = documents else { return try registrar.staffArea.refusal(documents, request: request, back: request.uri.path) }
            let rows = try ok.body.json.items.map { document -> [String: String] in
                [
                    "participant": document.participantName, "offering": "\(document.offeringCode) \(document.offeringTitle.text(language))",
                    "file": "\(Formatting.documentType(document.contentType.rawValue)), \(Formatting.size(bytes: document.sizeBytes, language))",
                    "uploadedOn": DateText.dayAndTime(document.uploadedAt, language), "href": "/documents/\(document.id)",
                    "openLabel": "\(t(.openDocument)) — \(document.participantName), \(document.offeringCode)",
                ]
            }
            var context: [String: Any] = [
                "heading": t(.staffDocumentsTitle), "organisationName": found.name.text(language), "documents": rows, "hasDocuments": !rows.isEmpty,
                "organisationHref": "/staff/organisations/\(found.id)",
            ]
            // The log is the organisation's admin's (enrolment answers 403 to its other staff: the section is left out).
            if case .ok(let readsOK) = reads {
                let log = try readsOK.body.json.items.map { read -> [String: String] in
                    [
                        "readOn": DateText.dayAndTime(read.readAt, language), "reader": read.readerName ?? t(.closedAccount),
                        "participant": read.participantName, "offering": read.offeringCode,
                    ]
                }
                context["canSeeReads"] = true
                context["reads"] = log
                context["hasReads"] = !log.isEmpty
            }
            return registrar.render(
                "staff-documents", title: "\(t(.staffDocumentsTitle)) — \(found.name.text(language))", context: context, request: request)
        }
    }
}
