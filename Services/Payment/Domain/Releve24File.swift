import Contracts
import DomainKit
import Foundation

/// The transmission file of a year's slips. The envelope (`Transmission`, `P`, a group of `R`/`A`/`D` slips and
/// its `T` totals) follows Revenu Québec's transmission format for relevés as its other slips use it; the RL-24
/// group's and boxes' element names could not be checked against the official schema here (README).
enum Releve24File {
    static let namespace = "http://www.mrq.gouv.qc.ca/T5"

    /// The provider as the file names it.
    struct Provider: Sendable {
        var name: String
        var address: PostalAddress?
        var enterpriseNumber: String?
    }

    static func xml(
        year: Int, preparer: Releve24.Preparer, provider: Provider, slips: [Releve24.Slip], taxNumbers: [UUID: TaxNumber]
    ) -> String {
        var out = #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"
        out += #"<Transmission VersionSchema="\#(year).1" pNbEnvois="1" xmlns="\#(namespace)">"# + "\n"
        out += "  <P>\n"
        out += element("Annee", String(year), indent: 4)
        out += element("TypeEnvoi", "1", indent: 4)
        out += "    <Preparateur>\n"
        out += element("No", preparer.preparerNumber, indent: 6)
        out += element("Type", "1", indent: 6)
        out += element("Nom1", provider.name, indent: 6)
        if let address = provider.address {
            out += "      <Adresse>\n"
            out += element("Ligne1", address.street, indent: 8)
            out += element("Ville", address.city, indent: 8)
            out += element("Province", address.province, indent: 8)
            out += element("CodePostal", address.postalCode.replacingOccurrences(of: " ", with: ""), indent: 8)
            out += "      </Adresse>\n"
        }
        out += "    </Preparateur>\n"
        out += element("NomLogiciel", "Guichet", indent: 4)
        out += "  </P>\n"
        out += "  <Groupe24>\n"
        var fees: Int64 = 0
        var notEligible: Int64 = 0
        for slip in slips {
            let tag = slip.code.rawValue
            out += "    <\(tag)>\n"
            out += "      <Identification>\n"
            out += element("Annee", String(slip.year), indent: 8)
            out += element("NoReleve", slip.number.map { String($0) } ?? "", indent: 8)
            if slip.code != .original, let replaced = slip.replacesNumber {
                out += element("NoReleveDerniereTrans", String(replaced), indent: 8)
            }
            if let enterprise = provider.enterpriseNumber { out += element("NoEntreprise", enterprise, indent: 8) }
            out += "        <Beneficiaire>\n"
            out += element("NAS", taxNumbers[slip.payerAccountId]?.digits ?? "", indent: 10)
            let (first, last) = split(slip.payerName)
            out += element("NomFamille", last, indent: 10)
            out += element("Prenom", first, indent: 10)
            out += "          <Adresse>\n"
            out += element("Ligne1", slip.payerAddress.line1, indent: 12)
            if let line2 = slip.payerAddress.line2 { out += element("Ligne2", line2, indent: 12) }
            out += element("Ville", slip.payerAddress.city, indent: 12)
            out += element("Province", slip.payerAddress.province, indent: 12)
            out += element("CodePostal", slip.payerAddress.postalCode.replacingOccurrences(of: " ", with: ""), indent: 12)
            out += "          </Adresse>\n"
            out += "        </Beneficiaire>\n"
            out += "        <Enfant>\n"
            let (childFirst, childLast) = split(slip.participantName)
            out += element("NomFamille", childLast, indent: 10)
            out += element("Prenom", childFirst, indent: 10)
            if let birth = slip.participantBirthDate { out += element("DateNaissance", birth, indent: 10) }
            out += "        </Enfant>\n"
            out += "      </Identification>\n"
            out += "      <Montants>\n"
            out += element("NbJours", String(slip.boxes.careDays), indent: 8)
            out += element("C_FraisPayes", amount(slip.boxes.feesPaidCents), indent: 8)
            out += element("D_FraisNonAdmissibles", amount(slip.boxes.notEligibleCents), indent: 8)
            out += element("E_FraisAdmissibles", amount(slip.boxes.eligibleCents), indent: 8)
            out += "      </Montants>\n"
            out += "    </\(tag)>\n"
            if slip.code != .cancelled {
                fees += slip.boxes.feesPaidCents
                notEligible += slip.boxes.notEligibleCents
            }
        }
        out += "    <T>\n"
        out += element("Annee", String(year), indent: 6)
        out += element("NbReleves", String(slips.count), indent: 6)
        out += element("C_FraisPayes", amount(fees), indent: 6)
        out += element("D_FraisNonAdmissibles", amount(notEligible), indent: 6)
        out += element("E_FraisAdmissibles", amount(fees - notEligible), indent: 6)
        out += "    </T>\n"
        out += "  </Groupe24>\n"
        out += "</Transmission>\n"
        return out
    }

    /// `1234.50`
    static func amount(_ cents: Int64) -> String { MoneyText.plain(cents) }

    /// Given names and family name from one written name: the last word is taken as the family name.
    static func split(_ name: String) -> (first: String, last: String) {
        let words = name.split(separator: " ")
        guard words.count > 1 else { return ("", name) }
        return (words.dropLast().joined(separator: " "), String(words.last!))
    }

    private static func element(_ name: String, _ value: String, indent: Int) -> String {
        String(repeating: " ", count: indent) + "<\(name)>\(escape(value))</\(name)>\n"
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(character)
            }
        }
        return out
    }
}
