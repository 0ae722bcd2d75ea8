import Configuration
import Crypto
import Foundation
import Mail
import ServiceKit

/// The settings only enrolment has (the README lists each with its default).
struct EnrolmentSettings: Sendable {
    /// How long a checkout holds its seats while waiting for payment.
    var holdDuration: TimeInterval
    /// How long a waitlist offer holds its seat for the next in line.
    var waitlistOfferDuration: TimeInterval
    /// How often expired holds are looked for.
    var holdSweepInterval: Duration
    /// Derives the guest tokens (so a replayed checkout answer gives the same token without storing it).
    var guestTokenKey: SymmetricKey
    /// Seals queued mails (confirmations carry meeting links).
    var mailKey: SymmetricKey
    /// Seals uploaded documents (intervention plans).
    var documentKey: SymmetricKey
    /// Seals participants' profiles (health fields, insurance number).
    var profileKey: SymmetricKey
    var mailFrom: MailMessage.Address
    var guestLimits: GuestLimits

    init(reader: ConfigReader) throws {
        let minutes = reader.int(forKey: "hold.minutes", default: 15)
        guard (1...120).contains(minutes) else { throw ConfigurationError.invalid("HOLD_MINUTES", "between 1 and 120") }
        holdDuration = TimeInterval(minutes * 60)
        let offerHours = reader.int(forKey: "waitlist.offer.hours", default: 24)
        guard (1...168).contains(offerHours) else { throw ConfigurationError.invalid("WAITLIST_OFFER_HOURS", "between 1 and 168") }
        waitlistOfferDuration = TimeInterval(offerHours * 3600)
        let sweepMilliseconds = reader.int(forKey: "hold.sweep.milliseconds", default: 1000)
        guard (10...60_000).contains(sweepMilliseconds) else {
            throw ConfigurationError.invalid("HOLD_SWEEP_MILLISECONDS", "between 10 and 60000")
        }
        holdSweepInterval = .milliseconds(sweepMilliseconds)
        let key = try reader.secretKey(
            inline: "enrolment.key", file: "enrolment.key.file", defaultFile: ".local/keys/enrolment.key", name: "ENROLMENT_KEY")
        mailKey = MailQueue.key(fromSecret: key)
        documentKey = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: key), info: Array("guichet enrolment documents".utf8), outputByteCount: 32)
        profileKey = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: key), info: Array("guichet enrolment profiles".utf8), outputByteCount: 32)
        mailFrom = .sender(reader: reader)
        guestLimits = GuestLimits()
        guestLimits.checkoutsPerHourByAddress = reader.int(
            forKey: "guest.checkouts.per.hour.by.address", default: guestLimits.checkoutsPerHourByAddress)
        guestLimits.seatsHeldByAddress = reader.int(forKey: "guest.seats.held.by.address", default: guestLimits.seatsHeldByAddress)
        guard guestLimits.checkoutsPerHourByAddress > 0, guestLimits.seatsHeldByAddress > 0 else {
            throw ConfigurationError.invalid("GUEST_CHECKOUTS_PER_HOUR_BY_ADDRESS and GUEST_SEATS_HELD_BY_ADDRESS", "positive")
        }
        guestTokenKey = SymmetricKey(
            data: HKDF<SHA256>.deriveKey(
                inputKeyMaterial: SymmetricKey(data: key), info: Array("guichet enrolment guest token".utf8), outputByteCount: 32))
    }
}
