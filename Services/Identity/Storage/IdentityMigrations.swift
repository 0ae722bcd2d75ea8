import Database
import Outbox

enum IdentityMigrations {
    static let all: [Migration] = [
        Migration(1, "consent texts", [
            """
            CREATE TABLE consent_texts (
                purpose text NOT NULL,
                version integer NOT NULL CHECK (version > 0),
                text_fr text NOT NULL,
                text_en text NOT NULL,
                published_at timestamptz NOT NULL,
                PRIMARY KEY (purpose, version)
            )
            """,
            """
            INSERT INTO consent_texts (purpose, version, text_fr, text_en, published_at) VALUES (
              'personal-information', 1,
              'J''accepte que mes renseignements personnels et ceux des personnes que j''inscris soient utilisés par l''organisme qui offre l''activité et par Guichet pour traiter l''inscription et le paiement, et conservés le temps exigé par la loi.',
              'I agree that my personal information and that of the people I register be used by the organisation offering the activity and by Guichet to process the registration and payment, and kept as long as the law requires.',
              '2026-01-01T00:00:00Z')
            """,
        ]),
        OutboxSchema.migration(2),
    ]
}
