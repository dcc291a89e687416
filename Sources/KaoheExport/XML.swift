/// XML 1.0 text helpers shared by the XLSX and SVG writers.
public enum XMLText {
    /// True when `scalar` may appear in an XML 1.0 document.
    public static func isLegal(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x9, 0xA, 0xD: true
        case 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: true
        default: false
        }
    }

    /// Escapes `&`, `<`, `>`, `"` and `'`, and drops characters that XML 1.0 forbids.
    /// For attribute values (`attribute: true`) tab, line feed and carriage return become character
    /// references so that parsers do not normalise them to spaces; in text, carriage return does.
    public static func escape(_ text: String, attribute: Bool = false) -> String {
        var out = String.UnicodeScalarView()
        out.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out.append(contentsOf: "&amp;".unicodeScalars)
            case "<": out.append(contentsOf: "&lt;".unicodeScalars)
            case ">": out.append(contentsOf: "&gt;".unicodeScalars)
            case "\"": out.append(contentsOf: "&quot;".unicodeScalars)
            case "'": out.append(contentsOf: "&apos;".unicodeScalars)
            case "\r": out.append(contentsOf: "&#xD;".unicodeScalars)
            case "\n" where attribute: out.append(contentsOf: "&#xA;".unicodeScalars)
            case "\t" where attribute: out.append(contentsOf: "&#x9;".unicodeScalars)
            default: if isLegal(scalar) { out.append(scalar) }
            }
        }
        return String(out)
    }
}
