import SQLKit

extension SQLQueryString {
    /// ` AND <column> LIKE '%text%'`, with the user's text matched literally.
    mutating func appendContains(_ column: String, _ text: String) {
        appendInterpolation(unsafeRaw: " AND \(column) LIKE ")
        appendInterpolation(bind: "%" + LikePattern.escape(text) + "%")
        appendInterpolation(unsafeRaw: " ESCAPE '\\'")
    }

    /// ` LIMIT n OFFSET m` for offset paging.
    mutating func appendPage(_ page: OffsetRequest) {
        appendInterpolation(unsafeRaw: " LIMIT ")
        appendInterpolation(bind: page.limit)
        appendInterpolation(unsafeRaw: " OFFSET ")
        appendInterpolation(bind: page.offset)
    }
}
