import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// FHIR over HTTP: the document Bundle POSTed to the recipient's server.
/// Each attempt for one decision sends the same body and the same
/// `X-Request-ID` (the decision id), so a server that saw an earlier attempt
/// can tell it is the same delivery.
package struct FHIRHTTPTransport: Sendable {
    package let url: URL
    package let timeout: Duration
    /// The bearer token, read by the caller from the file the deployment names.
    package let token: String?

    package init(url: URL, timeout: Duration = .seconds(30), token: String? = nil) {
        self.url = url
        self.timeout = timeout
        self.token = token
    }

    package func send(_ body: [UInt8], requestId: String, session: URLSession = .shared) async -> DeliveryAttempt {
        var request = URLRequest(url: url, timeoutInterval: TimeInterval(timeout.components.seconds))
        request.httpMethod = "POST"
        request.setValue("application/fhir+json", forHTTPHeaderField: "Content-Type")
        request.setValue("application/fhir+json", forHTTPHeaderField: "Accept")
        request.setValue(requestId, forHTTPHeaderField: "X-Request-ID")
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        request.httpBody = Data(body)
        do {
            let (_, response) = try await session.data(for: request)
            guard let http = response as? HTTPURLResponse else {
                return .retry(reason: .httpUnreachable, detail: "no HTTP response", after: nil)
            }
            return Self.judge(status: http.statusCode, retryAfter: http.value(forHTTPHeaderField: "Retry-After"), now: Date())
        } catch {
            // Refused, reset, timed out, TLS failure: the server may not have it.
            return .retry(reason: .httpUnreachable, detail: "\(url.host ?? "the server"): \(error.localizedDescription)", after: nil)
        }
    }

    /// 2xx sent; 429 and 5xx retried (honouring Retry-After); other 4xx failed:
    /// the server refused this message and would refuse it again.
    package static func judge(status: Int, retryAfter: String?, now: Date) -> DeliveryAttempt {
        switch status {
        case 200..<300: return .sent(detail: "HTTP \(status)")
        case 429: return .retry(reason: .httpTooManyRequests, detail: "HTTP 429", after: retryAfter.flatMap { wait($0, now: now) })
        case 500..<600: return .retry(reason: .httpServerError, detail: "HTTP \(status)", after: retryAfter.flatMap { wait($0, now: now) })
        case 400..<500: return .failed(reason: .httpClientError, detail: "HTTP \(status)")
        default: return .retry(reason: .httpServerError, detail: "HTTP \(status)", after: nil)
        }
    }

    /// Retry-After as seconds or as an HTTP date (RFC 9110 section 10.2.3).
    package static func wait(_ value: String, now: Date) -> Duration? {
        let text = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Int(text), seconds >= 0 { return .seconds(seconds) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: text) else { return nil }
        return .seconds(max(0, Int(date.timeIntervalSince(now).rounded(.up))))
    }
}
