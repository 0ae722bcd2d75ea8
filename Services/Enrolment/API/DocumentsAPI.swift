import Foundation
import OpenAPIRuntime
import ServiceKit

extension EnrolmentAPI {
    func uploadCartLinePlan(_ input: Operations.UploadCartLinePlan.Input) async throws -> Operations.UploadCartLinePlan.Output {
        let account = try RequestScope.requirePrincipal().accountId
        guard let line = UUID(uuidString: input.path.lineId) else { throw Problem.notFound }
        let bytes = try await Self.collect(Self.file(input.body))
        guard let info = try await documents.upload(bytes, to: .cartLine(line), schoolYear: input.query.schoolYear, by: account, at: clock.now())
        else {
            throw Problem.notFound
        }
        return .created(.init(body: .json(Self.representation(info))))
    }

    func uploadRegistrationPlan(_ input: Operations.UploadRegistrationPlan.Input) async throws -> Operations.UploadRegistrationPlan.Output {
        let account = try RequestScope.requirePrincipal().accountId
        guard let registration = UUID(uuidString: input.path.registrationId) else { throw Problem.notFound }
        let body: HTTPBody
        switch input.body {
        case .pdf(let file), .jpeg(let file), .png(let file): body = file
        }
        let bytes = try await Self.collect(body)
        guard
            let info = try await documents.upload(
                bytes, to: .registration(registration), schoolYear: input.query.schoolYear, by: account, at: clock.now())
        else { throw Problem.notFound }
        return .created(.init(body: .json(Self.representation(info))))
    }

    func downloadDocument(_ input: Operations.DownloadDocument.Input) async throws -> Operations.DownloadDocument.Output {
        let principal = try RequestScope.requirePrincipal()
        guard let id = UUID(uuidString: input.path.documentId), let file = try await documents.download(id: id, principal: principal, at: clock.now())
        else {
            throw Problem.notFound
        }
        let body = HTTPBody(file.bytes)
        switch file.contentType {
        case "application/pdf": return .ok(.init(body: .pdf(body)))
        case "image/jpeg": return .ok(.init(body: .jpeg(body)))
        default: return .ok(.init(body: .png(body)))
        }
    }

    func listOrganisationDocuments(_ input: Operations.ListOrganisationDocuments.Input) async throws -> Operations.ListOrganisationDocuments.Output {
        let principal = try RequestScope.requirePrincipal()
        guard let organisation = UUID(uuidString: input.path.organisationId) else { throw Problem.notFound }
        guard principal.isStaff(of: organisation) else { throw Problem.forbidden }
        let limit = try PageRequest(limit: input.query.limit, cursor: nil).limit
        let found = try await documents.documents(organisation: organisation, limit: limit)
        return .ok(
            .init(
                body: .json(
                    .init(
                        items: found.map {
                            .init(
                                id: $0.info.id.uuidString.lowercased(), kind: .interventionPlan,
                                contentType: .init(rawValue: $0.info.contentType) ?? .applicationPdf, sizeBytes: $0.info.sizeBytes,
                                schoolYear: $0.info.schoolYear, uploadedAt: $0.info.uploadedAt,
                                registrationId: $0.registrationId.uuidString.lowercased(),
                                participantName: $0.participantName, offeringCode: $0.offeringCode,
                                offeringTitle: .init(fr: $0.offeringTitle.fr, en: $0.offeringTitle.en))
                        }))))
    }

    func listDocumentReads(_ input: Operations.ListDocumentReads.Input) async throws -> Operations.ListDocumentReads.Output {
        let principal = try RequestScope.requirePrincipal()
        guard let organisation = UUID(uuidString: input.path.organisationId) else { throw Problem.notFound }
        guard principal.isOrganisationAdmin(of: organisation) else { throw Problem.forbidden }
        let limit = try PageRequest(limit: input.query.limit, cursor: nil).limit
        let found = try await documents.reads(organisation: organisation, limit: limit)
        return .ok(
            .init(
                body: .json(
                    .init(
                        items: found.map {
                            .init(
                                documentId: $0.documentId.uuidString.lowercased(), participantName: $0.participantName, offeringCode: $0.offeringCode,
                                readerAccountId: $0.readerAccountId.uuidString.lowercased(), readerName: $0.readerName, readAt: $0.readAt)
                        }))))
    }

    static func file(_ body: Operations.UploadCartLinePlan.Input.Body) -> HTTPBody {
        switch body {
        case .pdf(let file), .jpeg(let file), .png(let file): file
        }
    }

    static func collect(_ body: HTTPBody) async throws -> [UInt8] {
        do {
            return try await [UInt8](collecting: body, upTo: DocumentStore.absoluteMaximumBytes)
        } catch {
            throw Problem.payloadTooLarge(maximumBytes: DocumentStore.absoluteMaximumBytes)
        }
    }

    static func representation(_ info: DocumentInfo) -> Components.Schemas.Document {
        .init(
            id: info.id.uuidString.lowercased(), kind: .interventionPlan, contentType: .init(rawValue: info.contentType) ?? .applicationPdf,
            sizeBytes: info.sizeBytes, schoolYear: info.schoolYear, uploadedAt: info.uploadedAt)
    }
}
