import ServiceKit

@main
struct App {
    static func main() async {
        await GuichetService.main(PortalService.self)
    }
}
