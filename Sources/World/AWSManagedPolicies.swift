import Foundation
import IAMPolicy

/// The AWS managed policies glueshim ships, by ARN (`arn:aws:iam::aws:policy/NAME`).
public enum AWSManagedPolicies {
    /// Every shipped policy, read once from the bundled `get-policy-version` documents.
    public static let all: [String: NamedPolicy] = loaded.policies
    /// The documents as AWS publishes them (JSON text), by ARN.
    public static let documents: [String: String] = loaded.documents

    /// Default version id and its creation date, as AWS publishes them, by ARN.
    public static let versions: [String: (id: String, created: String)] = loaded.versions

    private static let loaded = load()

    public static func policy(arn: String) -> NamedPolicy? { all[arn] }

    private static func load() -> (policies: [String: NamedPolicy], documents: [String: String], versions: [String: (id: String, created: String)]) {
        guard let folder = Bundle.module.url(forResource: "ManagedPolicies", withExtension: nil),
              let files = try? FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
        else { return ([:], [:], [:]) }
        var result: [String: NamedPolicy] = [:]
        var documents: [String: String] = [:]
        var versions: [String: (id: String, created: String)] = [:]
        for file in files where file.pathExtension == "json" {
            let name = file.deletingPathExtension().lastPathComponent
            guard let data = try? Data(contentsOf: file),
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let version = object["PolicyVersion"] as? [String: Any],
                  let document = version["Document"],
                  let json = try? JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]),
                  let policy = try? Policy.parse(String(decoding: json, as: UTF8.self))
            else { continue }
            // AWS publishes its service-role policies under the `service-role/` path.
            let path = name.hasSuffix("ServiceRole") ? "service-role/" : ""
            let arn = "arn:aws:iam::aws:policy/\(path)\(name)"
            result[arn] = NamedPolicy(name: arn, policy: policy)
            documents[arn] = String(decoding: json, as: UTF8.self)
            versions[arn] = (version["VersionId"] as? String ?? "v1", version["CreateDate"] as? String ?? "2024-06-28T10:00:00Z")
        }
        return (result, documents, versions)
    }
}
