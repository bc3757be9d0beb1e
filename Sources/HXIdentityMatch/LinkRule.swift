/// When a candidate is linked (docs/design.md "Identity matching and
/// review"): the place's numbers from `config/identity.yaml`, which the
/// design leaves to the place to set.
package struct LinkRule: Sendable, Equatable {
    /// A candidate scoring at least this may be linked.
    package var threshold: Double
    /// ... and only when it is at least this far ahead of the runner-up.
    package var margin: Double
    /// Candidates below this are not worth a person's look: a request whose
    /// best candidate scores less has outcome `none`.
    package var reviewThreshold: Double

    package init(threshold: Double, margin: Double, reviewThreshold: Double) {
        self.threshold = threshold
        self.margin = margin
        self.reviewThreshold = reviewThreshold
    }
}
