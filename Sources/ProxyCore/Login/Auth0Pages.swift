/// The auth0 universal-login pages both flows go through: the identifier (email) page and the
/// password page, with the form fields in the order the spec lists.
struct Auth0Pages {
    let run: LoginRun
    let auth: UpstreamOrigin

    static func isTwoFactorChallenge(_ url: FlowURL) -> Bool {
        url.path.hasPrefix("/u/mfa-otp-challenge")
    }

    /// Posts the email; the page answers 200 after its redirects when auth0 knows the account.
    func identifier(state: String, username: String, _ next: @escaping () -> Void) {
        run.enter("identifier")
        let form = [
            ("state", state), ("username", username), ("js-available", "true"), ("webauthn-available", "true"),
            ("is-brave", "false"), ("webauthn-platform-available", "false"), ("action", "default"),
        ]
        run.send(formPost("/u/login/identifier", state: state, form), redirects: .follow) { [run] exchange in
            guard exchange.response.status == 200 else { return run.fail(400, LoginRun.emailNotValid) }
            next()
        }
    }

    /// Posts the password without following the answer: 400 is a wrong password (the page's
    /// `#prompt-alert` says why), a redirect carries on to `next` with its `Location`.
    func password(state: String, credentials: LoginRequest, _ next: @escaping (FlowURL) -> Void) {
        run.enter("password")
        let form = [("state", state), ("username", credentials.username), ("password", credentials.password),
                    ("action", "default")]
        run.send(formPost("/u/login/password", state: state, form)) { [run] exchange in
            if exchange.response.status == 400 {
                let alert = HTMLScan.elementText(id: "prompt-alert", in: exchange.response.body)
                return run.fail(400, alert.flatMap { $0.isEmpty ? nil : $0 } ?? LoginRun.wrongPassword)
            }
            guard let location = exchange.location else { return run.unexpected(exchange, missing: "a redirect") }
            if Self.isTwoFactorChallenge(location) { return run.fail(400, LoginRun.twoFactor) }
            next(location)
        }
    }

    private func formPost(_ path: String, state: String, _ form: [(String, String)]) -> FlowRequest {
        FlowRequest("POST", FlowURL(auth, path, query: FormEncoding.query([("state", state)])), kind: .navigation,
                    fields: [HTTPField("content-type", "application/x-www-form-urlencoded")],
                    body: FormEncoding.encode(form))
    }
}
