/// With a keys file, what stands between a request and the upstream (issue 14): the key it presents, checked
/// against the table (well formed, known, enabled, not expired), its route group and the connection's address
/// against the key's, its limits, and the failed checks of its address. One per client connection; it holds the
/// admitted request's stream (`admission`) until the connection lets go of the request.
struct KeyGate: ~Copyable {
    enum Verdict {
        case admitted
        /// 401 with `WWW-Authenticate`: no key, or one that is malformed, unknown, disabled or expired.
        case unauthorized(String)
        /// 403: a key not allowed this route group or this client address.
        case forbidden(String)
        /// 429: the key's limits, or too many failed checks from this address.
        case limited(LimitRefusal)
    }

    /// The request's place in its key's concurrent streams; dropped (and given back) with the request.
    private var admission: Admission?
    /// What the key has left, for the `x-proxyd-ratelimit-*` fields of the response head.
    private(set) var status: LimitStatus?

    /// The header that carries a key on every route.
    static let keyField = "x-proxyd-key"
    /// On /imitate/v1 the key may come as `Authorization: Bearer pxd_…`, the only header an OpenAI SDK sets by
    /// itself; the user's own ChatGPT token then comes in this one.
    static let tokenField = "x-chatgpt-token"

    /// Checks `head` and takes the key's header out of it (so the key never goes upstream); on /imitate/v1 with
    /// the key as the bearer token, the user's token moves from `X-ChatGPT-Token` into `Authorization`.
    mutating func check(_ head: inout RequestHead, group: KeyRecord.Routes, address: ClientAddress?,
                        worker: Worker, table: KeyTable) -> Verdict {
        let now = Int64(worker.loop.now) * 1000
        if let address, let refusal = worker.failedKeyChecks.refusal(for: address, now: now) {
            return .limited(refusal)
        }
        let key = Self.takeKey(&head, imitate: group == .imitate)
        let record: KeyRecord
        let slot: Int
        switch key.map({ AccessKey.digest($0) }) {
        case nil:
            return failed(address, now, worker, "this proxyd needs an access key in X-Proxyd-Key")
        case .failure(let refusal)?:
            return failed(address, now, worker, "the access key is not valid: \(refusal)")
        case .success(let digest)?:
            guard let found = table.slot(of: digest) else { return failed(address, now, worker, "unknown access key") }
            slot = found
            record = table.records[found]
        }
        // One reading of the wall clock for the key's expiry and its daily quota.
        let wallMillis = Int64(BrowserClock.epochMilliseconds())
        switch record.status(at: wallMillis / 1000) {
        case .active: break
        case .disabled: return .unauthorized("the access key \(record.name) is revoked")
        case .expired: return .unauthorized("the access key \(record.name) has expired")
        }
        guard record.routes.contains(group) else {
            return .forbidden("the access key \(record.name) may not use this route")
        }
        if record.cidrs != nil, !(address.map(record.allows) ?? false) {
            return .forbidden("the access key \(record.name) may not be used from this address")
        }
        switch table.limiters[slot].decide(monotonicMicros: now, wallMillis: wallMillis) {
        case .admit(let admitted):
            status = admitted.status
            admission = consume admitted
            return .admitted
        case .refuse(let refusal):
            guard worker.configuration.limitsMode == .enforce else {
                Log.info("limits (shadow): key \(record.name) would be refused: \(refusal.logDescription)")
                return .admitted
            }
            return .limited(refusal)
        }
    }

    /// The request is over: its stream goes back to the key.
    mutating func release() {
        admission = nil
        status = nil
    }

    private func failed(_ address: ClientAddress?, _ now: Int64, _ worker: Worker, _ message: String) -> Verdict {
        if let address, let refusal = worker.failedKeyChecks.recordFailure(address, now: now) { return .limited(refusal) }
        return .unauthorized(message)
    }

    /// The presented key, taken out of the head.
    private static func takeKey(_ head: inout RequestHead, imitate: Bool) -> String? {
        if let index = head.fields.firstIndex(where: { $0.hasName(keyField) }) {
            let key = head.fields.remove(at: index).value
            head.fields.removeAll { $0.hasName(keyField) }
            return key
        }
        let bearer = "Bearer " + AccessKey.prefix
        guard imitate, let index = head.fields.firstIndex(where: { $0.known == .authorization }),
              head.fields[index].value.hasPrefix(bearer) else { return nil }
        let key = String(head.fields[index].value.dropFirst("Bearer ".count))
        let token = head.fields.firstIndex(where: { $0.hasName(tokenField) }).map { head.fields.remove(at: $0).value }
        head.fields.removeAll { $0.known == .authorization }
        // No user token: the request gets the usual 401 for a missing one.
        if let token { head.fields.append(HTTPField("Authorization", token)) }
        return key
    }
}
