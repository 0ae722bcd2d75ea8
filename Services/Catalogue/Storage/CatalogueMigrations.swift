import Database

enum CatalogueMigrations {
    static let all: [Migration] = [
        Migration(1, "categories", [
            """
            CREATE TABLE categories (
                id uuid PRIMARY KEY,
                code text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
                position integer NOT NULL,
                name_fr text NOT NULL CHECK (length(name_fr) BETWEEN 1 AND 200),
                name_en text NOT NULL CHECK (length(name_en) BETWEEN 1 AND 200),
                UNIQUE (position, id)
            )
            """,
            // The categories the seed platforms show; organisations add their own later.
            """
            INSERT INTO categories (id, code, position, name_fr, name_en) VALUES
              ('6f1c1f52-5d0e-4c47-9d43-0d7c39a3a001', 'cours-de-formation', 10, 'Cours de formation', 'Training courses'),
              ('6f1c1f52-5d0e-4c47-9d43-0d7c39a3a002', 'cours-de-rattrapage', 20, 'Cours de rattrapage', 'Recovery courses'),
              ('6f1c1f52-5d0e-4c47-9d43-0d7c39a3a003', 'activites', 30, 'Activités', 'Activities'),
              ('6f1c1f52-5d0e-4c47-9d43-0d7c39a3a004', 'sorties', 40, 'Sorties', 'Outings'),
              ('6f1c1f52-5d0e-4c47-9d43-0d7c39a3a005', 'campagnes-de-financement', 50, 'Campagnes de financement', 'Fund-raisers'),
              ('6f1c1f52-5d0e-4c47-9d43-0d7c39a3a006', 'camps-de-jour', 60, 'Camps de jour', 'Day camps')
            """,
        ]),
    ]
}
