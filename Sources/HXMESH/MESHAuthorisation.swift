import Foundation
import HXCanonical

/// MESH's `NHSMESH` authorisation header (MESH API v2, "Authentication").
///
/// `NHSMESH {mailbox}:{nonce}:{nonce_count}:{timestamp}:{hmac}` where the HMAC-SHA256, keyed with the
/// environment's shared key, covers `mailbox:nonce:nonce_count:password:timestamp`; the timestamp is
/// UTC `yyyyMMddHHmm` (as NHS England's mesh-client and the MESH sandbox have it). Pure: the client
/// supplies a fresh nonce and the time for each request.
package enum MESHAuthorisation {
    package static func header(
        mailbox: String, password: String, sharedKey: String, nonce: String, nonceCount: Int, at time: Date
    ) -> String {
        let stamp = timestamp(time)
        let signed = "\(mailbox):\(nonce):\(nonceCount):\(password):\(stamp)"
        let hmac = Digests.hmacSHA256Hex(Array(signed.utf8), key: Array(sharedKey.utf8))
        return "NHSMESH \(mailbox):\(nonce):\(nonceCount):\(stamp):\(hmac)"
    }

    /// `yyyyMMddHHmm` in UTC, without a formatter (whose locale and calendar would be one more thing to get right).
    package static func timestamp(_ time: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: time)
        func two(_ v: Int?) -> String { let v = v ?? 0; return v < 10 ? "0\(v)" : "\(v)" }
        return "\(c.year ?? 0)\(two(c.month))\(two(c.day))\(two(c.hour))\(two(c.minute))"
    }
}
