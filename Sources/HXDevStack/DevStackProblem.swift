/// Something `hx run` cannot start with that the user can put right (a port
/// in use, an adapter whose source cannot open); `hx` reports it as a usage error.
package struct DevStackProblem: Error, CustomStringConvertible {
    package var description: String

    package init(_ description: String) {
        self.description = description
    }
}
