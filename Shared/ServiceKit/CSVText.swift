/// Spreadsheet-safe CSV for staff exports (class lists, payments).
public enum CSVText {
    /// Quoted when needed; a leading = + - @ is neutralised so a spreadsheet never runs the cell as a formula.
    public static func cell(_ value: String?) -> String {
        let text = value ?? ""
        let safe = text.first.map { "=+-@".contains($0) } == true ? "'" + text : text
        return safe.contains(where: { ",\"\n\r".contains($0) }) ? "\"" + safe.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : safe
    }

    public static func row(_ values: [String?]) -> String {
        values.map(cell).joined(separator: ",") + "\n"
    }
}
