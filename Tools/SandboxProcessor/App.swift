import Configuration
import Logging

@main
enum SandboxProcessorMain {
    static func main() async throws {
        var logger = Logger(label: "sandbox-processor")
        logger.logLevel = .info
        let settings = SandboxSettings(reader: ConfigReader(provider: EnvironmentVariablesProvider()))
        let app = SandboxProcessor.application(settings: settings, ledger: SandboxLedger(settings: settings, logger: logger), logger: logger)
        try await app.runService()
    }
}
