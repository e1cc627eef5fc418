extension StringProtocol {
    /// Without leading and trailing whitespace (Unicode's, newlines included).
    public func trimmingWhitespace() -> Substring {
        var s = Substring(self)
        while let c = s.first, c.isWhitespace { s.removeFirst() }
        while let c = s.last, c.isWhitespace { s.removeLast() }
        return s
    }
}
