/// The tables of /imitate/v1: what an OpenAI client names and what the web app sends instead.
/// Kept as data so that a model the site adds or renames is a one-line change.
package enum ImitateModels {
    /// The model a request without `model` (or with `null`) gets: the site picks, as the web app does
    /// when the user has not chosen.
    package static let defaultModel = "auto"

    /// OpenAI API names that the web app spells differently. Every other name (`gpt-4o`, `gpt-4`,
    /// `gpt-4o-mini`, `o1`, `o3`, `o4-mini`, `gpt-5` and its variants, names we have never seen) goes to
    /// the site as the client wrote it: the site answers an unknown slug itself, and a table of every
    /// model would be stale the week it was written.
    /// - `gpt-3.5-turbo` → `auto`: the site no longer offers 3.5; its default model is the nearest thing.
    package static let aliases: [(client: String, web: String)] = [
        ("gpt-3.5-turbo", "auto"),
        ("gpt-3.5-turbo-0125", "auto"),
        ("gpt-3.5-turbo-1106", "auto"),
        ("chatgpt-4o-latest", "gpt-4o"),
    ]

    /// The slug the conversation body names for the client's `model`.
    package static func webModel(_ requested: String?) -> String {
        guard let requested, !requested.isEmpty else { return defaultModel }
        return aliases.last { $0.client == requested }?.web ?? requested
    }

    /// `reasoning_effort` as the web app's `thinking_effort`. The web offers fewer steps than the API
    /// (its picker: light, standard, extended), so two API values share a web one; `medium`, the API's
    /// default, is the web's default `standard`.
    package static let thinkingEfforts: [(reasoning: String, web: String)] = [
        ("minimal", "min"),
        ("low", "min"),
        ("medium", "standard"),
        ("high", "extended"),
    ]

    /// Nil for a value the API does not define (the request is refused, not guessed at).
    package static func thinkingEffort(_ reasoning: String) -> String? {
        thinkingEfforts.first { $0.reasoning == reasoning }?.web
    }
}

extension ImitateModels {
    /// The site's `{"models":[{"slug",…},…]}` as OpenAI's `{"object":"list","data":[{"id","object":"model",
    /// "owned_by"}]}`. The site gives no creation time, so the list has none rather than an invented one.
    /// Nil when the answer holds no models list.
    static func list(fromSite body: [UInt8]) -> String? {
        guard case .array(let models)? = JSONObjectReader.value(body)?["models"] else { return nil }
        let entries = models.compactMap { $0["slug"]?.string }.map { slug in
            "{\"id\":\"\(LocalResponse.jsonEscaped(slug))\",\"object\":\"model\",\"owned_by\":\"openai\"}"
        }
        return "{\"object\":\"list\",\"data\":[" + entries.joined(separator: ",") + "]}"
    }
}
