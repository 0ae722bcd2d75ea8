import DomainKit

/// Every text the portal shows, by key; each key has its French and English text (a test checks both are
/// there and differ where they should). Templates hold no text of their own.
enum Text: String, CaseIterable, Sendable {
    case siteName, skipToContent, languageSwitch, languageSwitchLabel, mainNavigation
    case catalogueTitle, catalogueIntro, searchHeading, keywords, keywordsHint, organisation, anyOrganisation
    case category, anyCategory, onlyWithSeats, sortBy, sortTitle, sortStartsOn, sortPrice, search
    case results, noResults, nextPage, seatsLeft, full, startsOn, price, code, from
    case registrationWindow, opens, closes, sessions, session, dates, schedule, place, online
    case requirements, contract, backToCatalogue, seatsLeftLabel
    case notFoundTitle, notFoundText, errorTitle, errorText, unavailableTitle, unavailableText
}

enum Strings {
    static func text(_ key: Text, _ language: Language) -> String {
        (language == .fr ? french : english)[key] ?? key.rawValue
    }

    /// All texts of one language, by key, for templates (`{{t.catalogueTitle}}`).
    static func table(_ language: Language) -> [String: String] {
        Dictionary(uniqueKeysWithValues: Text.allCases.map { ($0.rawValue, text($0, language)) })
    }

    static let french: [Text: String] = [
        .siteName: "Guichet",
        .skipToContent: "Aller au contenu",
        .languageSwitch: "English",
        .languageSwitchLabel: "View this page in English",
        .mainNavigation: "Navigation principale",
        .catalogueTitle: "Activités et cours",
        .catalogueIntro: "Trouvez une activité ou un cours, puis consultez ses dates, son prix et les places restantes.",
        .searchHeading: "Rechercher",
        .keywords: "Mots-clés",
        .keywordsHint: "Titre ou code, avec ou sans accents (ex. : mathematiques).",
        .organisation: "Organisme",
        .anyOrganisation: "Tous les organismes",
        .category: "Catégorie",
        .anyCategory: "Toutes les catégories",
        .onlyWithSeats: "Seulement les activités avec des places",
        .sortBy: "Trier par",
        .sortTitle: "Titre",
        .sortStartsOn: "Date de début",
        .sortPrice: "Prix",
        .search: "Rechercher",
        .results: "Résultats",
        .noResults: "Aucune activité ne correspond à votre recherche.",
        .nextPage: "Résultats suivants",
        .seatsLeft: "places restantes",
        .full: "Complet",
        .startsOn: "Début",
        .price: "Prix",
        .code: "Code",
        .from: "à partir du",
        .registrationWindow: "Période d'inscription",
        .opens: "Ouverture",
        .closes: "Fermeture",
        .sessions: "Groupes et dates",
        .session: "Groupe",
        .dates: "Dates",
        .schedule: "Horaire",
        .place: "Lieu",
        .online: "En ligne",
        .requirements: "Exigences",
        .contract: "Contrat",
        .backToCatalogue: "Retour aux activités",
        .seatsLeftLabel: "Places restantes",
        .notFoundTitle: "Page introuvable",
        .notFoundText: "Cette page n'existe pas ou n'est plus offerte.",
        .errorTitle: "Une erreur est survenue",
        .errorText: "Réessayez dans un moment. Si le problème persiste, communiquez avec votre organisme.",
        .unavailableTitle: "Service momentanément indisponible",
        .unavailableText: "Le catalogue ne répond pas pour l'instant. Réessayez dans un moment.",
    ]

    static let english: [Text: String] = [
        .siteName: "Guichet",
        .skipToContent: "Skip to content",
        .languageSwitch: "Français",
        .languageSwitchLabel: "Voir cette page en français",
        .mainNavigation: "Main navigation",
        .catalogueTitle: "Activities and courses",
        .catalogueIntro: "Find an activity or a course, then see its dates, its price and the seats left.",
        .searchHeading: "Search",
        .keywords: "Keywords",
        .keywordsHint: "Title or code, with or without accents (e.g. mathematiques).",
        .organisation: "Organisation",
        .anyOrganisation: "All organisations",
        .category: "Category",
        .anyCategory: "All categories",
        .onlyWithSeats: "Only activities with seats left",
        .sortBy: "Sort by",
        .sortTitle: "Title",
        .sortStartsOn: "Start date",
        .sortPrice: "Price",
        .search: "Search",
        .results: "Results",
        .noResults: "No activity matches your search.",
        .nextPage: "Next results",
        .seatsLeft: "seats left",
        .full: "Full",
        .startsOn: "Starts",
        .price: "Price",
        .code: "Code",
        .from: "from",
        .registrationWindow: "Registration period",
        .opens: "Opens",
        .closes: "Closes",
        .sessions: "Groups and dates",
        .session: "Group",
        .dates: "Dates",
        .schedule: "Schedule",
        .place: "Place",
        .online: "Online",
        .requirements: "Requirements",
        .contract: "Contract",
        .backToCatalogue: "Back to activities",
        .seatsLeftLabel: "Seats left",
        .notFoundTitle: "Page not found",
        .notFoundText: "This page does not exist or is no longer offered.",
        .errorTitle: "Something went wrong",
        .errorText: "Try again in a moment. If the problem persists, contact your organisation.",
        .unavailableTitle: "Service temporarily unavailable",
        .unavailableText: "The catalogue is not answering right now. Try again in a moment.",
    ]
}
