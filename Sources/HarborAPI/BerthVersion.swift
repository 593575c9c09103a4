/// Berth's version: `berth --version`, `harbor_version` in `/systeminfo`, the chart's appVersion.
public enum BerthVersion {
    public static let current = "0.1.0"
}
