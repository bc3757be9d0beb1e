import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Files into a folder the recipient's system watches: written under a
/// temporary name beginning with "." (which pickers ignore), flushed to disk,
/// then renamed into place, so a reader never sees half a file. The name is
/// the decision id, so a resend replaces the file with the same bytes.
package struct FolderTransport: Sendable {
    package let folder: String

    package init(folder: String) {
        self.folder = folder
    }

    package func send(_ bytes: [UInt8], fileName: String) -> DeliveryAttempt {
        let target = folder + "/" + fileName
        let temporary = folder + "/." + fileName + ".partial"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o640)
        guard fd >= 0 else { return failure(errno, "creating \(temporary)") }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, $0.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                let code = errno
                close(fd)
                unlink(temporary)
                return failure(code, "writing \(temporary)")
            }
            written += n
        }
        // The rename must not reach the disk before the data does.
        if fsync(fd) != 0 {
            let code = errno
            close(fd)
            unlink(temporary)
            return failure(code, "flushing \(temporary)")
        }
        close(fd)
        guard rename(temporary, target) == 0 else {
            let code = errno
            unlink(temporary)
            return failure(code, "renaming into \(target)")
        }
        return .sent(detail: "\(fileName), \(bytes.count) bytes")
    }

    /// Every failure here is worth retrying: a full disk gets room, a missing or
    /// read-only folder gets mended by the recipient's IT; nothing half-written stays.
    private func failure(_ code: Int32, _ doing: String) -> DeliveryAttempt {
        let reason: DeliveryAttempt.Reason = code == ENOSPC || code == EDQUOT ? .folderDiskFull : .folderWriteFailed
        return .retry(reason: reason, detail: "\(doing): \(String(cString: strerror(code)))", after: nil)
    }
}
