/// The sentinel's config array (chatgpt-web.md §2): the per-account and per-search values; everything else
/// comes from `ChatGPTSite`, in the order of `ChatGPTSite.configLayout`.
package struct SentinelConfig: Sendable {
    let userAgent: String
    let buildID: String
    let deviceID: String
    let dateText: String
    let performanceNow: Double
    let timeOrigin: Double

    package init(userAgent: String, buildID: String, deviceID: String, dateText: String,
                 performanceNow: Double, timeOrigin: Double) {
        self.userAgent = userAgent
        self.buildID = buildID
        self.deviceID = deviceID
        self.dateText = dateText
        self.performanceNow = performanceNow
        self.timeOrigin = timeOrigin
    }

    /// The compact JSON of the array, as the browser's `JSON.stringify` writes it, with the nonce and the
    /// elapsed time given (an integral `elapsed` prints without a fraction, as in a proof).
    package func json(nonce: Int, elapsed: Double) -> String {
        var elapsedText: [UInt8] = []
        BrowserJSON.appendNumber(elapsed, to: &elapsedText)
        return String(decoding: template.json(nonce: Array(String(nonce).utf8), elapsed: elapsedText).bytes,
                      as: UTF8.self)
    }

    /// The requirements token (§3): the array with nonce 1 and a random fraction as the elapsed time.
    package func requirementsToken(_ generation: SentinelGeneration) -> String {
        let text = json(nonce: 1, elapsed: Double.random(in: 0..<1))
        return ChatGPTSite.requirementsPrefix + Base64.encode(Array(text.utf8))
            + (generation.suffixed ? ChatGPTSite.generationCSuffix : "")
    }

    /// The JSON text around the two values that change per try, computed once per search.
    var template: SentinelTemplate { SentinelTemplate(self) }
}

/// The config array's JSON cut at its two per-try values: `pieces[0] slot[0] pieces[1] slot[1] …`.
struct SentinelTemplate {
    enum Slot: Equatable {
        case nonce, elapsed
    }

    private(set) var pieces: [[UInt8]] = [[]]
    private(set) var slots: [Slot] = []

    init(_ config: SentinelConfig) {
        var text: [UInt8] = [UInt8(ascii: "[")]
        for (index, element) in ChatGPTSite.configLayout.enumerated() {
            if index > 0 { text.append(UInt8(ascii: ",")) }
            switch Self.value(element, config) {
            case .string(let string): BrowserJSON.appendString(string, to: &text)
            case .integer(let integer): BrowserJSON.appendInteger(integer, to: &text)
            case .number(let number): BrowserJSON.appendNumber(number, to: &text)
            case .slot(let slot):
                pieces[pieces.count - 1] += text
                text = []
                slots.append(slot)
                pieces.append([])
            }
        }
        text.append(UInt8(ascii: "]"))
        pieces[pieces.count - 1] += text
    }

    private enum Value {
        case string(String), integer(Int), number(Double), slot(Slot)
    }

    private static func value(_ element: ChatGPTSite.ConfigElement, _ config: SentinelConfig) -> Value {
        switch element {
        case .nonce: .slot(.nonce)
        case .elapsed: .slot(.elapsed)
        case .screenSum: .integer(ChatGPTSite.screenSum)
        case .dateText: .string(config.dateText)
        case .heapLimit: .integer(ChatGPTSite.heapLimit)
        case .userAgent: .string(config.userAgent)
        case .scriptURL: .string(ChatGPTSite.scriptURL)
        case .buildID: .string(config.buildID)
        case .language: .string(ChatGPTSite.language)
        case .languages: .string(ChatGPTSite.languages)
        case .navigatorProperty: .string(ChatGPTSite.navigatorProperty)
        case .documentKey: .string(ChatGPTSite.documentKey)
        case .windowKey: .string(ChatGPTSite.windowKey)
        case .performanceNow: .number(config.performanceNow)
        case .deviceID: .string(config.deviceID)
        case .searchKeys: .string("")
        case .hardwareConcurrency: .integer(ChatGPTSite.hardwareConcurrency)
        case .timeOrigin: .number(config.timeOrigin)
        case .windowHas(_, let present): .integer(present)
        }
    }

    /// The whole JSON with the given texts in the slots, and where the (first) nonce's text starts.
    func json(nonce: [UInt8], elapsed: [UInt8]) -> (bytes: [UInt8], nonceAt: Int) {
        var bytes = pieces[0]
        var nonceAt = -1
        for (slot, piece) in zip(slots, pieces.dropFirst()) {
            if slot == .nonce && nonceAt < 0 { nonceAt = bytes.count }
            bytes += slot == .nonce ? nonce : elapsed
            bytes += piece
        }
        return (bytes, nonceAt)
    }
}
