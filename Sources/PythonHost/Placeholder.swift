public enum PythonWorker {
    public static let commandName = "__worker"
    public static func main(arguments: [String]) -> Never { fatalError("not built yet") }
}
