import KaoheExport

/// QR codes on pages, drawn by the server as inline SVG with KaoheExport's encoder (no CDN, no script).
enum QRDrawing {
    /// The QR code of `text` (error correction M); an empty box when it cannot be encoded.
    static func svg(_ text: String) -> HTML {
        guard let code = try? QRCode(text, errorCorrection: .medium) else {
            return HTML(raw: "<div class=\"qr-missing\" aria-hidden=\"true\"></div>")
        }
        return HTML(raw: code.svg(moduleSize: 4))
    }
}
