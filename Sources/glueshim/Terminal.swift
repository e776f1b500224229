import Foundation

/// Unbuffered writes to the terminal, so the script's output appears as it is printed.
enum Terminal {
    static func out(_ s: String) { outData(Data(s.utf8)) }
    static func err(_ s: String) { errData(Data(s.utf8)) }
    static func outData(_ d: Data) { FileHandle.standardOutput.write(d) }
    static func errData(_ d: Data) { FileHandle.standardError.write(d) }
}
