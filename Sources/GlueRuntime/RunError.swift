import Foundation

/// Why a run could not be carried out (as opposed to a script that failed).
public enum RunError: Error, Sendable, CustomStringConvertible {
    /// A local problem: bad input, missing files, the environment. Exit status 2.
    case input(String)
    /// Something of glueshim's own failed.
    case local(String)

    public var description: String {
        switch self {
        case .input(let s), .local(let s): return s
        }
    }
}
