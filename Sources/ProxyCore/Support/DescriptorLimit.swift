import Glibc

/// The open-file limit. A proxy holds two descriptors per proxied request, and the soft limit many systems
/// start processes with (1,024) is far below what their hard limit allows, so proxyd raises the soft limit to
/// the hard one at start, as nginx's `worker_rlimit_nofile` and the Go runtime do.
package enum DescriptorLimit {
    /// Raises the soft limit to the hard limit (capped, since "unlimited" would size nothing) and returns
    /// the limit in force.
    @discardableResult
    package static func raise() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1_024 }
        let wanted = min(limit.rlim_max, rlim_t(1 << 20))
        if limit.rlim_cur < wanted {
            var raised = limit
            raised.rlim_cur = wanted
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return Int(clamping: limit.rlim_cur)
    }
}
