import CQREncode
import Foundation

/// A QR code as inline SVG (libqrencode draws the modules; no image file, nothing fetched): the key address an
/// authenticator app scans. Error correction M, the usual for a screen; four modules of quiet zone.
enum QRCodeImage {
    static func svg(_ text: String, title: String, titleID: String) -> String? {
        guard let code = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1) else { return nil }
        defer { QRcode_free(code) }
        let width = Int(code.pointee.width)
        let quiet = 4
        var path = ""
        for row in 0..<width {
            for column in 0..<width where code.pointee.data[row * width + column] & 1 == 1 {
                path += "M\(column + quiet) \(row + quiet)h1v1h-1z"
            }
        }
        let size = width + 2 * quiet
        let escapedTitle = title.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        // Black on white whatever the page's colours: scanners need the contrast.
        return """
            <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(size) \(size)" width="224" height="224" role="img" \
            aria-labelledby="\(titleID)" shape-rendering="crispEdges"><title id="\(titleID)">\(escapedTitle)</title>\
            <rect width="\(size)" height="\(size)" fill="#fff"/><path fill="#000" d="\(path)"/></svg>
            """
    }
}
