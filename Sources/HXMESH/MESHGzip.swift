import CompressNIO
import NIOCore

/// gzip for MESH's `Content-Encoding: gzip`, one chunk at a time (each chunk is a whole gzip stream).
package enum MESHGzip {
    package static func compress(_ buffer: ByteBuffer) throws -> ByteBuffer {
        var input = buffer
        return try input.compress(with: .gzip())
    }

    package static func decompress(_ buffer: ByteBuffer, maxSize: Int) throws -> [UInt8] {
        var input = buffer
        let output = try input.decompress(with: .gzip(), maxSize: maxSize)
        return Array(output.readableBytesView)
    }
}
