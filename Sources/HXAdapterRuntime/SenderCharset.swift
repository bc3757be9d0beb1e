import HL7v2
import HXTranslate

/// An MLLP sender's character set, as far as its answer needs it: the frame
/// as UTF-8 for reading its header, and the encoding the answer is written in
/// (the one its message was read in, `InputCharset`, so that a PAS that
/// sends ISO 8859-1 gets ISO 8859-1 back, with its MSH-18 echoed).
struct SenderCharset {
    /// The frame decoded to UTF-8, or as received when it cannot be (its
    /// header, which is what the answer quotes, is still ASCII).
    let readable: [UInt8]
    let encoding: TextEncoding

    init(frame: [UInt8], configuration: AdapterConfiguration) {
        switch InputCharset.of(frame, configuration: configuration) {
        case .success(let charset) where charset.encoding == .utf8:
            // The usual case costs nothing more: the header reader's parser checks UTF-8 itself.
            readable = frame
            encoding = .utf8
        case .success(let charset):
            readable = (try? charset.decode(frame).get()) ?? frame
            encoding = charset.encoding
        case .failure:
            // MSH-18 names a set we cannot write either: ASCII is in all of them.
            readable = frame
            encoding = .ascii
        }
    }
}
