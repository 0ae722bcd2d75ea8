/// Routing keys of every event Guichet publishes (`<service>.<entity>.<verb>`); the CloudEvents type is
/// `ca.guichet.<routing key>.v1`. Schemas: deploy/events/schemas/; channels: deploy/events/asyncapi-<service>.yaml.
public enum EventName {
    public static let accountVerified = "identity.account.verified"
    public static let accountUpdated = "identity.account.updated"
    public static let accountDeleted = "identity.account.deleted"
    public static let consentChanged = "identity.consent.changed"
    public static let organisationCreated = "catalogue.organisation.created"
    public static let organisationUpdated = "catalogue.organisation.updated"
    public static let offeringPublished = "catalogue.offering.published"
    public static let offeringUpdated = "catalogue.offering.updated"
    public static let offeringClosed = "catalogue.offering.closed"
    public static let offeringCancelled = "catalogue.offering.cancelled"
    public static let checkoutRequested = "enrolment.checkout.requested"
    public static let checkoutExpired = "enrolment.checkout.expired"
    public static let registrationConfirmed = "enrolment.registration.confirmed"
    public static let registrationCancelled = "enrolment.registration.cancelled"
    public static let registrationExpired = "enrolment.registration.expired"
    public static let registrationMoved = "enrolment.registration.moved"
    public static let sessionSeatsChanged = "enrolment.session.seats_changed"
    public static let refundRequested = "enrolment.refund.requested"
    public static let invoiceRequested = "enrolment.invoice.requested"
    public static let invoiceCancelled = "enrolment.invoice.cancelled"
    public static let chargeSucceeded = "payment.charge.succeeded"
    public static let chargeFailed = "payment.charge.failed"
    public static let refundCompleted = "payment.refund.completed"
    public static let invoicePaid = "payment.invoice.paid"
    public static let instalmentPaid = "payment.instalment.paid"
    public static let releve24Issued = "payment.releve24.issued"
    public static let releve24Amended = "payment.releve24.amended"
    public static let releve24Cancelled = "payment.releve24.cancelled"

    public static let offeringEvents = [offeringPublished, offeringUpdated, offeringClosed, offeringCancelled]
}

/// The exchange a service publishes to.
public enum EventExchange {
    public static func of(service: String) -> String { "guichet.\(service)" }
}
