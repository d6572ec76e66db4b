import Dispatch
import Foundation

/// apt's nginx as an HTTPS upstream whose TLS and HTTP/2 code neither proxyd's nor the fixtures' authors wrote.
/// One process in the foreground (`master_process off`) under a throwaway prefix, so its pid, logs and
/// temporary files stay there and stopping it stops everything it started. Each `Site` is a TLS listener with
/// HTTP/2 by ALPN; every request is proxied to a plain listener of the same nginx, because nginx keeps a
/// request body (for the access log's `$request_body`) only when a module has read it.
final class NginxServer {
    struct Site {
        let name: String
        /// ssl_protocols, e.g. ["TLSv1.2", "TLSv1.3"].
        let tlsVersions: [String]
    }

    /// One line of the access log: what nginx saw of one request.
    struct LoggedRequest: Decodable {
        let site: String
        /// nginx's serial number of the client connection: equal on two lines means one connection.
        let connection: String
        /// `HTTP/2.0` or `HTTP/1.1`.
        let serverProtocol: String
        let tlsVersion: String
        let cipher: String
        let curve: String
        /// `r` if the TLS session was resumed, else `.`.
        let sessionReused: String
        let method: String
        let uri: String
        let userAgent: String
        let body: String
        let status: String
    }

    let ports: [String: Int]
    private let process: Process
    private let directory: URL

    /// The nginx binary, or nil when nginx is not installed (PATH of a non-root user often lacks /usr/sbin).
    static var executable: String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let directories = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/usr/local/sbin"]
        return directories.map { $0 + "/nginx" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// `streamingUpstream` (an `http(s)://127.0.0.1:port` base) answers the paths ending in `/__sse` instead of the
    /// plain listener, unbuffered, so that nginx relays a fixture's event stream as it comes.
    init(executable: String, pki: TestPKI, sites: [Site], streamingUpstream: String? = nil) throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("proxyd-itest-nginx-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("temp"),
                                                withIntermediateDirectories: true)
        var ports: [String: Int] = [:]
        for site in sites { ports[site.name] = try LoopbackSocket.unusedPort() }
        self.ports = ports
        let backendPort = try LoopbackSocket.unusedPort()
        let configPath = directory.appendingPathComponent("nginx.conf").path
        try Self.configuration(directory: directory.path, pki: pki, sites: sites, ports: ports, backendPort: backendPort,
                               streamingUpstream: streamingUpstream)
            .write(toFile: configPath, atomically: true, encoding: .utf8)

        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-p", directory.path, "-c", configPath, "-e", directory.appendingPathComponent("error.log").path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        do {
            for port in ports.values.sorted() + [backendPort] {
                try LoopbackSocket.waitForListener(port: port, process: process, name: "nginx")
            }
        } catch {
            stop()
            throw TestSetupError("\(error); nginx error log:\n\(errorLog)")
        }
    }

    deinit { stop() }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    /// At level info, so that what nginx holds against a client (protocol errors, failed handshakes) shows.
    var errorLog: String {
        (try? String(contentsOf: directory.appendingPathComponent("error.log"), encoding: .utf8)) ?? ""
    }

    var errorLogLines: [String] { errorLog.split(separator: "\n").map(String.init) }

    /// Waits until no TCP connection to a site's port is established any more, i.e. its clients have closed
    /// their idle connections. Reads /proc/net/tcp (IPv4, where the sites listen): nginx keeps no count of it.
    func waitUntilSitesIdle(timeout: Double) throws {
        let sitePorts = Set(ports.values)
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(timeout * 1e9)
        var open: [String] = []
        repeat {
            open = Self.tcpTable().split(separator: "\n").dropFirst().compactMap { line in
                let fields = line.split(separator: " ")
                // Fields: slot, local address, remote address (hex IP:port), state (01 = ESTABLISHED).
                guard fields.count > 3, fields[3] == "01", let remotePort = fields[2].split(separator: ":").last,
                      let port = Int(remotePort, radix: 16), sitePorts.contains(port) else { return nil }
                return String(fields[1])
            }
            if open.isEmpty { return }
            usleep(20_000)
        } while DispatchTime.now().uptimeNanoseconds < deadline
        throw TestSetupError("connections to nginx still open after \(timeout) s from \(open)")
    }

    /// String(contentsOfFile:) would stop after the first page: /proc files report a size of 0.
    private static func tcpTable() -> String {
        guard let file = FileHandle(forReadingAtPath: "/proc/net/tcp"), let data = try? file.readToEnd() else { return "" }
        return String(decoding: data, as: UTF8.self)
    }

    /// Every request nginx has logged so far, oldest first (nginx writes each line when the request ends).
    func loggedRequests() throws -> [LoggedRequest] {
        let text = (try? String(contentsOf: directory.appendingPathComponent("access.log"), encoding: .utf8)) ?? ""
        return try text.split(separator: "\n").map { line in
            try JSONDecoder().decode(LoggedRequest.self, from: Data(line.utf8))
        }
    }

    /// The answer is `{"site":NAME,"method":METHOD}`; X-Seen-UA and X-Seen-Body echo what arrived.
    private static func configuration(directory: String, pki: TestPKI, sites: [Site], ports: [String: Int],
                                      backendPort: Int, streamingUpstream: String?) -> String {
        let streaming = streamingUpstream.map { upstream in
            """
                    location ~ /__sse$ {
                        proxy_pass \(upstream);
                        proxy_http_version 1.1;
                        proxy_buffering off;
                    }
            """
        } ?? ""
        let servers = sites.map { site in
            """
                server {
                    listen 127.0.0.1:\(ports[site.name] ?? 0) ssl http2;
                    ssl_protocols \(site.tlsVersions.joined(separator: " "));
                    set $site \(site.name);
                    location / {
                        proxy_set_header X-Site $site;
                        proxy_pass http://127.0.0.1:\(backendPort);
                        add_header X-Seen-UA $http_user_agent always;
                        add_header X-Seen-Body $request_body always;
                    }
            \(streaming)
                }
            """
        }.joined(separator: "\n")
        // nginx 1.22 takes HTTP/2 on the listen line ("http2 on" came in 1.25.1). Without a master process
        // nginx keeps the user that started it; the temp paths would default to /var/lib/nginx.
        return """
            daemon off;
            master_process off;
            pid \(directory)/nginx.pid;
            error_log \(directory)/error.log info;
            events { worker_connections 256; }
            http {
                client_body_temp_path \(directory)/temp/body;
                proxy_temp_path \(directory)/temp/proxy;
                fastcgi_temp_path \(directory)/temp/fastcgi;
                uwsgi_temp_path \(directory)/temp/uwsgi;
                scgi_temp_path \(directory)/temp/scgi;
                log_format seen escape=json '{"site":"$site","connection":"$connection",'
                    '"serverProtocol":"$server_protocol","tlsVersion":"$ssl_protocol","cipher":"$ssl_cipher",'
                    '"curve":"$ssl_curve","sessionReused":"$ssl_session_reused","method":"$request_method",'
                    '"uri":"$request_uri","userAgent":"$http_user_agent","body":"$request_body","status":"$status"}';
                access_log \(directory)/access.log seen;
                ssl_certificate \(pki.serverCertificatePath);
                ssl_certificate_key \(pki.serverKeyPath);
                ssl_session_cache shared:itest:1m;
            \(servers)
                server {
                    listen 127.0.0.1:\(backendPort);
                    access_log off;
                    default_type application/json;
                    return 200 '{"site":"$http_x_site","method":"$request_method"}';
                }
            }

            """
    }
}
