import Foundation

/// A page being written: text is escaped on the way in, attributes are always quoted, and every
/// element is closed, so the output is also well-formed XML (the tests parse it as such).
struct HTML {
    private(set) var output = ""

    init() {
        output.reserveCapacity(16 << 10)
    }

    /// `text` with the five characters that matter in HTML and XML escaped.
    static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            // Control characters are not allowed in HTML text (nor in XML): shown as U+FFFD.
            case "\u{0}"..."\u{8}", "\u{B}", "\u{C}", "\u{E}"..."\u{1F}", "\u{7F}": escaped += "\u{FFFD}"
            default: escaped.unicodeScalars.append(character)
            }
        }
        return escaped
    }

    /// A path segment for a link (a package name, a version), percent-encoded.
    static func segment(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~+!")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }

    /// A URL safe to link to: http or https only (a `javascript:` log URL stays text).
    static func linkable(_ url: String) -> Bool {
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased() else { return false }
        return scheme == "http" || scheme == "https"
    }

    mutating func text(_ text: String) { output += Self.escape(text) }

    /// Markup written by this file's callers, never user input.
    mutating func raw(_ markup: String) { output += markup }

    mutating func element(
        _ tag: String, _ attributes: KeyValuePairs<String, String> = [:], _ body: (inout HTML) -> Void
    ) {
        open(tag, attributes)
        body(&self)
        output += "</\(tag)>"
    }

    mutating func element(_ tag: String, _ attributes: KeyValuePairs<String, String> = [:], text: String) {
        open(tag, attributes)
        self.text(text)
        output += "</\(tag)>"
    }

    /// A link, or plain text when the URL is not http(s).
    mutating func link(_ url: String, text: String) {
        if Self.linkable(url) {
            element("a", ["href": url], text: text)
        } else {
            self.text(text)
        }
    }

    private mutating func open(_ tag: String, _ attributes: KeyValuePairs<String, String>) {
        output += "<\(tag)"
        for (name, value) in attributes { output += " \(name)=\"\(Self.escape(value))\"" }
        output += ">"
    }
}
