import Foundation
import HXConfigFile
import HummingbirdBcrypt

/// What a member of staff may do in the console.
package enum StaffRole: String, Sendable, CaseIterable, Comparable, Codable {
    /// Watches topics, lag and adapters; lists and replays dead letters. Sees no patient identifier.
    case operator_ = "operator"
    /// Searches the audit log, verifies chains, writes subject access reports; the only role that sees patient identifiers.
    case auditor
    /// An operator who may also see who has access (the users page).
    case admin
    /// Works the identity review queue: sees a held message's demographics beside its
    /// candidates' and links or rejects it, with a reason. Sees no other page.
    case identityReviewer = "identity-reviewer"

    package static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

package struct StaffMember: Sendable, Equatable {
    package var name: String
    package var role: StaffRole
    /// bcrypt, as `hx console user add` writes it.
    package var passwordHash: String

    package init(name: String, role: StaffRole, passwordHash: String) {
        self.name = name
        self.role = role
        self.passwordHash = passwordHash
    }
}

/// The console's local users, kept in a YAML file with bcrypt hashes only:
///
/// ```yaml
/// users:
///   - name: jo.bloggs
///     role: operator
///     passwordHash: "$2b$12$..."
/// ```
package struct StaffDirectory: Sendable {
    package private(set) var members: [StaffMember]

    package init(members: [StaffMember]) { self.members = members }

    /// Names are what the audit log records as the actor: letters, digits and `.-_@` only.
    static let nameCharacters = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: ".-_@"))

    package static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 64 && name.unicodeScalars.allSatisfy { nameCharacters.contains($0) && $0.isASCII }
    }

    /// Reads the users file; every problem names file, line and what is wrong.
    package static func load(_ url: URL) throws(ConfigErrors) -> StaffDirectory {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw ConfigErrors([ConfigIssue(file: url.path, line: nil, column: nil,
                                            message: "no users file: add the first user with `hx console user add NAME --role operator|auditor|admin|identity-reviewer --users \(url.path)`")])
        }
        let reader = YAMLReader(file: url.path)
        guard let root = reader.load(contentsOf: url) else { throw ConfigErrors(reader.issues) }
        let top = reader.mapping(root, what: "the users file", allowed: ["users"])
        var members: [StaffMember] = []
        var seen = Set<String>()
        for node in top["users"].map({ reader.sequence($0, what: "users") }) ?? [] {
            let entry = reader.mapping(node, what: "a user", allowed: ["name", "role", "passwordHash"])
            let name = reader.required(entry, "name", what: "a user", at: node).flatMap { reader.string($0, what: "name") }
            let roleText = reader.required(entry, "role", what: "a user", at: node).flatMap { reader.string($0, what: "role") }
            let hash = reader.required(entry, "passwordHash", what: "a user", at: node).flatMap { reader.string($0, what: "passwordHash") }
            guard let name, let roleText, let hash else { continue }
            guard isValidName(name) else {
                reader.error("user name '\(name)' may hold only letters, digits and . - _ @", at: entry["name"])
                continue
            }
            guard let role = StaffRole(rawValue: roleText) else {
                reader.error("role '\(roleText)' is not one of operator, auditor, admin, identity-reviewer", at: entry["role"])
                continue
            }
            guard hash.hasPrefix("$2"), hash.count == 60 else {
                reader.error("passwordHash of \(name) is not a bcrypt hash; set it with `hx console user add`", at: entry["passwordHash"])
                continue
            }
            guard seen.insert(name).inserted else {
                reader.error("user \(name) is listed twice", at: entry["name"])
                continue
            }
            members.append(StaffMember(name: name, role: role, passwordHash: hash))
        }
        if members.isEmpty, !reader.hasErrors {
            reader.error("no users: add one with `hx console user add NAME --role operator|auditor|admin|identity-reviewer`", at: root)
        }
        guard !reader.hasErrors else { throw ConfigErrors(reader.issues) }
        return StaffDirectory(members: members)
    }

    package func member(named name: String) -> StaffMember? { members.first { $0.name == name } }

    /// Adds or replaces a member, hashing the password with bcrypt.
    package mutating func set(name: String, role: StaffRole, password: String, cost: UInt8 = 12) {
        let member = StaffMember(name: name, role: role, passwordHash: Bcrypt.hash(password, cost: cost))
        if let i = members.firstIndex(where: { $0.name == name }) { members[i] = member } else { members.append(member) }
    }

    /// The file's text (hashes only, never a password).
    package var yaml: String {
        var out = "# Console users (hx console user add). Passwords are stored as bcrypt hashes only.\nusers:\n"
        for m in members {
            out += "  - name: \(m.name)\n    role: \(m.role.rawValue)\n    passwordHash: \"\(m.passwordHash)\"\n"
        }
        return out
    }

    /// Writes the file (hashes only), readable by its owner alone: still nobody else's business.
    package func save(to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(yaml.utf8).write(to: url, options: .atomic)
        chmod(url.path, 0o600)
    }

    /// The member, if the password is theirs. bcrypt is run even for an
    /// unknown name, so the answer takes as long either way.
    package func authenticate(name: String, password: String) -> StaffMember? {
        guard let member = member(named: name) else {
            _ = Bcrypt.verify(password, hash: Self.decoyHash)
            return nil
        }
        return Bcrypt.verify(password, hash: member.passwordHash) ? member : nil
    }

    /// A valid bcrypt hash of nothing anyone types, for timing only.
    static let decoyHash = Bcrypt.hash(UUID().uuidString, cost: 10)
}
