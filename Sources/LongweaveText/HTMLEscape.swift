/// Text for HTML: `&`, `<`, `>` and `"` written as entities, so that it reads as text in an
/// element or an attribute value. The pages longweave writes (the audit's report, the stats
/// plot) escape everything they did not write themselves with it.
public enum HTMLEscape {
    public static func escape(_ text: Substring) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(character)
            }
        }
        return out
    }

    public static func escape(_ text: String) -> String { escape(text[...]) }
}
