import ArgumentParser
import ProxyCore

// Flag names and help come from Configuration's settings table, so each setting is described once.

extension NameSpecification {
    static func setting(_ key: SettingKey) -> NameSpecification {
        .customLong(Configuration.setting(key).flag)
    }
}

extension ArgumentHelp {
    static func setting(_ key: SettingKey) -> ArgumentHelp {
        let setting = Configuration.setting(key)
        let env = ([setting.envName] + setting.aliases).joined(separator: ", ")
        return ArgumentHelp("\(setting.help) [env: \(env); default: \(setting.defaultText)]",
                            valueName: setting.placeholder)
    }
}
