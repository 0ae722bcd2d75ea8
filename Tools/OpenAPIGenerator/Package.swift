// swift-tools-version: 6.1
// Builds swift-openapi-generator's CLI apart from the services, so the services never pay for it;
// Tools/generate-openapi.sh uses it to regenerate the committed server code from each spec.
import PackageDescription

let package = Package(
    name: "openapi-generator-cli",
    dependencies: [
        .package(url: "https://github.com/apple/swift-openapi-generator.git", exact: "1.14.3")
    ]
)
