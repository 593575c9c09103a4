import SQLKit

extension SQLQueryString {
    /// ` AND <column> LIKE '%text%'`, with the user's text matched literally.
    public mutating func appendContains(_ column: String, _ text: String) {
        appendInterpolation(unsafeRaw: " AND \(column) LIKE ")
        appendInterpolation(bind: "%" + LikePattern.escape(text) + "%")
        appendInterpolation(unsafeRaw: " ESCAPE '\\'")
    }

    /// ` AND <column> IN (ids)`; nil ids adds nothing (every row). Callers handle an empty list.
    mutating func appendIn(_ column: String, _ ids: [Int64]?) {
        guard let ids else { return }
        appendInterpolation(unsafeRaw: " AND \(column) IN (")
        appendInterpolation(binds: ids)
        appendInterpolation(unsafeRaw: ")")
    }

    /// ` AND (<public> OR <id> IN memberOf)`: what a caller who is a member of `memberOf` sees;
    /// nil (a system administrator) adds nothing.
    mutating func appendVisible(publicColumn: String, idColumn: String, memberOf: [Int64]?) {
        guard let memberOf else { return }
        appendInterpolation(unsafeRaw: " AND (\(publicColumn) = ")
        appendInterpolation(bind: true)
        if !memberOf.isEmpty {
            appendInterpolation(unsafeRaw: " OR \(idColumn) IN (")
            appendInterpolation(binds: memberOf)
            appendInterpolation(unsafeRaw: ")")
        }
        appendInterpolation(unsafeRaw: ")")
    }

    /// ` LIMIT n OFFSET m` for offset paging.
    mutating func appendPage(_ page: OffsetRequest) {
        appendInterpolation(unsafeRaw: " LIMIT ")
        appendInterpolation(bind: page.limit)
        appendInterpolation(unsafeRaw: " OFFSET ")
        appendInterpolation(bind: page.offset)
    }
}

/// One page of a filtered listing and the total count for `X-Total-Count`: the same filter feeds
/// both queries, so they cannot disagree.
public enum PagedQuery {
    /// `pageKey` (such as `r.id`), when given, picks the page's keys first over `countFrom` and
    /// computes `columns` for those rows only: SQLite otherwise computes every column of every row
    /// before it sorts them (a repository listing's artifact counts for all of a project's
    /// repositories, to show 15).
    public static func run<T: Sendable>(_ db: any SQLDatabase, columns: SQLQueryString, from: String, countFrom: String? = nil,
                                 filter: SQLQueryString, orderBy: String, pageKey: String? = nil,
                                 page: OffsetRequest, _ map: (any SQLRow) throws -> T) async throws -> Page<T> {
        var counting = SQLQueryString("SELECT COUNT(*) AS n FROM ")
        counting.appendInterpolation(unsafeRaw: countFrom ?? from)
        counting.appendInterpolation(filter)
        let total = try await db.raw(counting).first()?.decode(column: "n", as: Int64.self) ?? 0
        let items = try await rows(db, columns: columns, from: from, keysFrom: countFrom, filter: filter, orderBy: orderBy,
                                   pageKey: pageKey, page: page, map)
        return Page(items: items, total: total)
    }

    /// The page's rows alone, for a caller that counts them another way.
    public static func rows<T: Sendable>(_ db: any SQLDatabase, columns: SQLQueryString, from: String, keysFrom: String? = nil,
                                  filter: SQLQueryString, orderBy: String, pageKey: String? = nil,
                                  page: OffsetRequest, _ map: (any SQLRow) throws -> T) async throws -> [T] {
        var rows = SQLQueryString("SELECT ")
        rows.appendInterpolation(columns)
        rows.appendInterpolation(unsafeRaw: " FROM \(from)")
        if let pageKey {
            rows.appendInterpolation(unsafeRaw: " WHERE \(pageKey) IN (SELECT \(pageKey) FROM \(keysFrom ?? from)")
            rows.appendInterpolation(filter)
            rows.appendInterpolation(unsafeRaw: " ORDER BY \(orderBy)")
            rows.appendPage(page)
            rows.appendInterpolation(unsafeRaw: ") ORDER BY \(orderBy)")
        } else {
            rows.appendInterpolation(filter)
            rows.appendInterpolation(unsafeRaw: " ORDER BY \(orderBy)")
            rows.appendPage(page)
        }
        return try await db.raw(rows).all().map(map)
    }
}
