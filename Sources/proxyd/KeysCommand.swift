import ArgumentParser
import Glibc
import ProxyCore

/// `proxyd keys`: the access keys of the keys file. No subcommand ever prints or logs a key, except `add`,
/// once, the key it has just made.
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Add, list, revoke and check the access keys of the keys file (PROXYD_KEYS_FILE).",
        discussion: "Failures print one line and exit with status 2.",
        subcommands: [AddKey.self, ListKeys.self, RevokeKey.self, CheckKey.self]
    )
}

/// The keys file: `--file`, else PROXYD_KEYS_FILE from the environment or `.env`, as serving reads it.
struct KeysFileOption: ParsableArguments {
    @Option(help: ArgumentHelp("The keys file [default: PROXYD_KEYS_FILE from the environment or .env]",
                               valueName: "path"))
    var file: String?

    func path() throws -> String {
        if let file { return file }
        let values = Configuration.merge([ProcessEnvironment.current(), try DotEnv.read(".env")])
        guard let path = Configuration.text(of: .keysFile, in: values) else {
            throw KeysCommandFailure("no keys file: give --file or set PROXYD_KEYS_FILE")
        }
        return path
    }
}

struct KeysCommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A keys command's failure is one line on standard error and exit status 2, as a bad setting's is.
private func reportingFailures(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let exit as ExitCode {
        throw exit
    } catch {
        fputs("\(error)\n", stderr)
        throw ExitCode(2)
    }
}

struct AddKey: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Make a key, print it once and append its record to the keys file.",
        discussion: """
            The key alone goes to standard output (KEY=$(proxyd keys add --name N) keeps it); the file keeps \
            only its SHA-256, so it cannot be shown again. A missing keys file is created with mode 0600.
            """
    )

    @OptionGroup var keysFile: KeysFileOption
    @Option(help: "Who the key is for, unique in the file; shown in logs and metrics.") var name: String
    @Option(help: "Requests per minute [default: unlimited]") var rpm: String?
    @Option(help: "Requests beyond the rate a client may send at once after a pause [default: 0]") var burst: String?
    @Option(help: "Streams in flight at once [default: unlimited]") var concurrency: String?
    @Option(help: "Requests per UTC day [default: unlimited]") var daily: String?
    @Option(help: ArgumentHelp("Route groups allowed, from chatgpt, platform, imitate, login [default: all]",
                               valueName: "group,..."))
    var routes: String?
    @Option(help: ArgumentHelp("Client addresses allowed, repeatable: 10.0.0.0/8, 2001:db8::/32 [default: any]",
                               valueName: "cidr"))
    var cidr: [String] = []
    @Option(help: ArgumentHelp("When the key stops working, in UTC [default: never]", valueName: "2027-01-31T00:00:00Z"))
    var expires: String?

    func run() throws {
        try reportingFailures {
            let path = try keysFile.path()
            let key = AccessKey.generate()
            var fields = KeyRecordFields()
            fields.id = KeyRecord.newID()
            fields.name = name
            fields.sha256 = try AccessKey.digest(key).get().hex
            (fields.rpm, fields.burst, fields.concurrency, fields.daily) = (rpm, burst, concurrency, daily)
            fields.routes = routes.map { $0.split(separator: ",").map { String($0.trimmingBlanks()) } }
            fields.cidrs = cidr.isEmpty ? nil : cidr
            fields.expires = expires
            fields.created = UTCTimestamp.text(UTCTimestamp.now())
            // Every field is checked before the file is touched.
            var record = try fields.record()
            try KeysFileStore.append(path: path) { file in
                guard !file.records.contains(where: { $0.name == record.name }) else {
                    throw KeysCommandFailure("\(path) already has a key named \"\(record.name)\"")
                }
                while file.records.contains(where: { $0.id == record.id }) { record.id = KeyRecord.newID() }
                return record
            }
            print(key)
            fputs("This key is shown only now: \(path) keeps only its SHA-256. Added \(record.id) \"\(record.name)\".\n",
                  stderr)
        }
    }
}

struct ListKeys: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the keys' ids, names, limits, routes and status (never a key or digest)."
    )

    @OptionGroup var keysFile: KeysFileOption

    func run() throws {
        try reportingFailures {
            let path = try keysFile.path()
            let records = try KeysFile.read(path).records
            guard !records.isEmpty else {
                print("no keys in \(path)")
                return
            }
            let now = UTCTimestamp.now()
            let rows = [["ID", "NAME", "RATE", "CONCURRENCY", "DAILY", "ROUTES", "CIDRS", "EXPIRES", "STATUS"]]
                + records.map { record -> [String] in
                    let limits = record.limits
                    return [record.id, record.name,
                            limits.requestsPerMinute.map { "\($0)/min" + (limits.burst > 0 ? " burst \(limits.burst)" : "") } ?? "-",
                            limits.concurrentStreams.map(String.init) ?? "-", limits.requestsPerDay.map(String.init) ?? "-",
                            record.routes == .all ? "all" : record.routes.names.joined(separator: ","),
                            record.cidrs.map { $0.map(\.description).joined(separator: ",") } ?? "any",
                            record.expires.map(UTCTimestamp.text) ?? "never", record.status(at: now).rawValue]
                }
            let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
            for row in rows {
                let cells = zip(row, widths).map { cell, width in cell + String(repeating: " ", count: width - cell.count) }
                print(cells.joined(separator: "  ").trimmingBlanks())
            }
        }
    }
}

struct RevokeKey: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "Disable a key, rewriting its line in the keys file; the other lines stay as they are."
    )

    @OptionGroup var keysFile: KeysFileOption
    @Argument(help: ArgumentHelp("The key's id (k_...) or name.", valueName: "id-or-name")) var target: String

    func run() throws {
        try reportingFailures {
            let path = try keysFile.path()
            var outcome = ""
            try KeysFileStore.replace(path: path) { file in
                guard let entry = file.entry(idOrName: target) else {
                    throw KeysCommandFailure("\(path) has no key with the id or name \"\(target)\"")
                }
                let record = entry.record
                outcome = "\(record.id) \"\(record.name)\""
                guard !record.disabled else {
                    outcome += " was already disabled"
                    return nil
                }
                outcome = "revoked " + outcome
                var revoked = record
                revoked.disabled = true
                return (entry, revoked)
            }
            print(outcome)
        }
    }
}

struct CheckKey: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Say whether a key is well-formed and which record it matches, with its status, without showing it.",
        discussion: "Exit status 0 when the key matches an active record, 1 when it would be refused."
    )

    @OptionGroup var keysFile: KeysFileOption
    @Argument(help: ArgumentHelp("The key; left out, the first line of standard input, which keeps it out of the process list.",
                                 valueName: "key"))
    var key: String?

    func run() throws {
        try reportingFailures {
            let path = try keysFile.path()
            let presented = key ?? readLine(strippingNewline: true).map { String($0.trimmingBlanks()) } ?? ""
            let digest: KeyDigest
            switch AccessKey.digest(presented) {
            case .failure(let refusal):
                print("malformed: \(refusal)")
                throw ExitCode(1)
            case .success(let value):
                digest = value
            }
            let table = KeyTable(try KeysFile.read(path))
            guard let slot = table.slot(of: digest) else {
                print("well-formed, but no key in \(path) matches it")
                throw ExitCode(1)
            }
            let record = table.records[slot]
            let status = record.status(at: UTCTimestamp.now())
            print("well-formed; matches \(record.id) \"\(record.name)\": \(status.rawValue)")
            if status != .active { throw ExitCode(1) }
        }
    }
}
