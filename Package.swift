// swift-tools-version: 6.1
import PackageDescription

// Every service is built the same way: one executable target in Services/<Name>,
// its OpenAPI spec embedded, the same shared libraries and settings.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let services = ["Identity", "Catalogue", "Enrolment", "Payment"]

// Dependencies only some services need (identity hashes passwords; identity and enrolment send mail).
let serviceExtras: [String: [Target.Dependency]] = [
    "Identity": [
        "Mail",
        .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
        .product(name: "Mustache", package: "swift-mustache"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "JWTKit", package: "jwt-kit"),
    ],
    "Enrolment": ["Mail"],
    "Payment": ["Mail", .product(name: "Mustache", package: "swift-mustache")],
]

func serviceTarget(_ name: String) -> Target {
    .executableTarget(
        name: name,
        dependencies: (serviceExtras[name] ?? []) + [
            "ServiceKit", "Database", "Messaging", "Outbox", "Contracts", "Projections",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
            .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "Configuration", package: "swift-configuration"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ],
        path: "Services/\(name)",
        exclude: ["openapi-generator-config.yaml"],
        resources: [.embedInCode("openapi.yaml"), .embedInCode("openapi.json")],
        swiftSettings: swiftSettings
    )
}

let package = Package(
    name: "guichet",
    platforms: [.macOS(.v15)],
    products: (services + ["Portal"]).map { .executable(name: "guichet-\($0.lowercased())", targets: [$0]) }
        + [
            .executable(name: "guichet-messaging-benchmark", targets: ["MessagingBenchmark"]),
            .executable(name: "guichet-sandbox-processor", targets: ["SandboxProcessor"]),
        ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/swift-openapi-hummingbird.git", from: "2.1.0"),
        .package(url: "https://github.com/apple/swift-openapi-runtime.git", from: "1.13.4"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/vapor/multipart-kit.git", from: "4.7.1"),
        .package(url: "https://github.com/apple/swift-openapi-urlsession.git", from: "1.4.0"),
    ],
    targets: [
        .target(
            name: "ServiceKit",
            dependencies: [
                "DomainKit", "Contracts", "Database", "Messaging", "Outbox",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Shared/ServiceKit",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Database",
            dependencies: [
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Shared/Database",
            swiftSettings: swiftSettings
        ),
        .systemLibrary(
            name: "CRabbitMQ",
            path: "Shared/CRabbitMQ",
            pkgConfig: "librabbitmq",
            providers: [.apt(["librabbitmq-dev"])]
        ),
        .target(
            name: "Messaging",
            dependencies: [
                "CRabbitMQ",
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Shared/Messaging",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Outbox",
            dependencies: [
                "Messaging", "Database", "Contracts",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Shared/Outbox",
            swiftSettings: swiftSettings
        ),
        .target(name: "Contracts", path: "Shared/Contracts", swiftSettings: swiftSettings),
        .target(
            name: "Projections",
            dependencies: [
                "Outbox", "Contracts", "Messaging",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Shared/Projections",
            swiftSettings: swiftSettings
        ),
        // The words every service's domain speaks (texts in both languages, field errors, dates, emails, the
        // clock): no HTTP, no SQL, so a domain that imports only this, Contracts and Crypto cannot reach either.
        .target(
            name: "DomainKit",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            path: "Shared/DomainKit",
            swiftSettings: swiftSettings
        ),
        .systemLibrary(
            name: "CCurl",
            path: "Shared/CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .systemLibrary(
            name: "CQREncode",
            path: "Shared/CQREncode",
            pkgConfig: "libqrencode",
            providers: [.apt(["libqrencode-dev"])]
        ),
        .target(
            name: "Mail",
            dependencies: [
                "CCurl", "Database",
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Shared/Mail",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "MessagingBenchmark",
            dependencies: [
                "Database", "Messaging", "Outbox", "Contracts",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tools/Benchmarks/MessagingBenchmark",
            swiftSettings: swiftSettings
        ),
        // Stands in for a card processor (as Mailpit stands in for SMTP); not one of Guichet's services.
        .executableTarget(
            name: "SandboxProcessor",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Configuration", package: "swift-configuration"),
            ],
            path: "Tools/SandboxProcessor",
            swiftSettings: swiftSettings
        ),
    ] + services.map(serviceTarget) + [
        // The portal's clients of the services, generated from each service's own openapi.yaml (package access).
        .target(
            name: "CatalogueClient",
            dependencies: [.product(name: "OpenAPIRuntime", package: "swift-openapi-runtime")],
            path: "Services/Portal/Clients/Catalogue",
            exclude: ["openapi-generator-config.yaml"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "IdentityClient",
            dependencies: [.product(name: "OpenAPIRuntime", package: "swift-openapi-runtime")],
            path: "Services/Portal/Clients/Identity",
            exclude: ["openapi-generator-config.yaml"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "EnrolmentClient",
            dependencies: [.product(name: "OpenAPIRuntime", package: "swift-openapi-runtime")],
            path: "Services/Portal/Clients/Enrolment",
            exclude: ["openapi-generator-config.yaml"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "PaymentClient",
            dependencies: [.product(name: "OpenAPIRuntime", package: "swift-openapi-runtime")],
            path: "Services/Portal/Clients/Payment",
            exclude: ["openapi-generator-config.yaml"],
            swiftSettings: swiftSettings
        ),
        // The family portal: pages rendered on the server over the services' APIs; the same start-up as the services.
        .executableTarget(
            name: "Portal",
            dependencies: [
                "ServiceKit", "Database", "CatalogueClient", "IdentityClient", "EnrolmentClient", "PaymentClient", "CQREncode",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIURLSession", package: "swift-openapi-urlsession"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Services/Portal",
            exclude: ["Clients"],
            resources: [
                .embedInCode("openapi.yaml"), .embedInCode("openapi.json"),
                .embedInCode("API/Templates/layout.mustache"), .embedInCode("API/Templates/catalogue.mustache"),
                .embedInCode("API/Templates/offering.mustache"), .embedInCode("API/Templates/message.mustache"),
                .embedInCode("API/Templates/form.mustache"), .embedInCode("API/Templates/account.mustache"),
                .embedInCode("API/Templates/second-factor.mustache"), .embedInCode("API/Templates/staff.mustache"),
                .embedInCode("API/Templates/staff-organisations.mustache"), .embedInCode("API/Templates/staff-organisation.mustache"),
                .embedInCode("API/Templates/staff-people.mustache"), .embedInCode("API/Templates/staff-person.mustache"),
                .embedInCode("API/Templates/staff-offerings.mustache"), .embedInCode("API/Templates/staff-class-list.mustache"),
                .embedInCode("API/Templates/staff-import.mustache"), .embedInCode("API/Templates/staff-offering.mustache"),
                .embedInCode("API/Templates/staff-payments.mustache"), .embedInCode("API/Templates/staff-payment.mustache"),
                .embedInCode("API/Templates/credit-note.mustache"), .embedInCode("API/Templates/statement.mustache"),
                .embedInCode("API/Templates/invoice.mustache"), .embedInCode("API/Templates/invoices.mustache"),
                .embedInCode("API/Templates/invoice-review.mustache"),
                .embedInCode("API/Templates/staff-documents.mustache"),
                .embedInCode("API/Templates/staff-quantities.mustache"), .embedInCode("API/Templates/staff-attendance.mustache"),
                .embedInCode("API/Templates/staff-refund-requests.mustache"), .embedInCode("API/Templates/staff-releve24.mustache"),
                .embedInCode("API/Templates/releve24.mustache"), .embedInCode("API/Templates/releve24-slip.mustache"),
                .embedInCode("API/Templates/children.mustache"), .embedInCode("API/Templates/child.mustache"),
                .embedInCode("API/Templates/cart.mustache"), .embedInCode("API/Templates/checkout.mustache"),
                .embedInCode("API/Templates/payment.mustache"), .embedInCode("API/Templates/receipt.mustache"),
                .embedInCode("API/Templates/payments.mustache"), .embedInCode("API/Templates/waitlist.mustache"),
                .embedInCode("API/Templates/registrations.mustache"), .embedInCode("API/Templates/plan.mustache"),
                .embedInCode("API/Assets/portal.css"), .embedInCode("API/Assets/portal.js"),
            ],
            swiftSettings: swiftSettings
        ),
    ] + [
        .testTarget(
            name: "GuichetTests",
            dependencies: [
                "DomainKit", "ServiceKit", "Database", "Messaging", "Outbox", "Contracts", "Mail", "Projections",
                "Identity", "Catalogue", "Enrolment", "Payment", "Portal", "SandboxProcessor",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "JWTKit", package: "jwt-kit"),
            ],
            path: "Tests/GuichetTests",
            exclude: ["Support/smtp_auth_server.py"],
            swiftSettings: swiftSettings
        )
    ]
)
