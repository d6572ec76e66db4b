import Foundation

/// `GET /backend-api/models`: the models the web app's picker offers the account, as the site lists them
/// (`{"models":[{"slug","title",…}],"categories":[…],"default_model_slug"}`). Only an access token is needed: the
/// web app calls it on load, before any sentinel handshake.
enum FakeChatGPTModels {
    static let defaultSlugs = ["auto", "gpt-5", "gpt-5-instant", "gpt-5-thinking", "gpt-4o", "o3"]

    static func title(_ slug: String) -> String {
        switch slug {
        case "auto": "Auto"
        case "gpt-5": "GPT-5"
        case "gpt-5-instant": "GPT-5 Instant"
        case "gpt-5-thinking": "GPT-5 Thinking"
        case "gpt-4o": "GPT-4o"
        default: slug.uppercased()
        }
    }

    static func entry(_ slug: String) -> [String: Any] {
        [
            "slug": slug, "title": title(slug), "max_tokens": 196_608,
            "description": "Fake \(title(slug)) for the proxyd tests",
            "tags": slug.contains("thinking") || slug.hasPrefix("o") ? ["gpt4", "reasoning"] : ["gpt4"],
            "capabilities": [:] as [String: Any],
            "product_features": ["attachments": ["type": "retrieval"]] as [String: Any],
            "enabled_tools": ["tools", "search"], "reasoning_type": slug.contains("thinking") ? "reasoning" : "none",
        ]
    }
}

extension FakeChatGPTState {
    func models(_ request: FakeAuthRequest) throws -> FakeChatGPTAnswer {
        _ = try account(of: request)
        let slugs = knobs.models
        return .json(200, object: [
            "models": slugs.map(FakeChatGPTModels.entry),
            "categories": [["category": "gpt_5", "human_category_name": "GPT-5", "default_model": slugs.first ?? "auto",
                            "supported_models": slugs] as [String: Any]],
            "default_model_slug": slugs.first ?? "auto",
        ])
    }
}
