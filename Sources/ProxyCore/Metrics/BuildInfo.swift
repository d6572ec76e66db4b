/// What `proxyd --version` and the `proxyd_build_info` metric say; set by hand when a release is cut.
package enum BuildInfo {
    package static let version = "0.14.0"
}
