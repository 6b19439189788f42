import Foundation

/// Runs one fuzz target: under libFuzzer when built with `-DRAILYARD_FUZZ` and
/// `-sanitize=fuzzer` (see `script/fuzz`), otherwise as a replayer that feeds each file named on
/// the command line (a corpus entry or a crash) to the target once.
package enum FuzzDriver {
    nonisolated(unsafe) private static var body: (Data) -> Void = { _ in }

    package static func run(_ target: @escaping (Data) -> Void) -> Never {
        body = target
        #if RAILYARD_FUZZ
            var argc = CommandLine.argc
            var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
            exit(
                runDriver(
                    &argc, &argv,
                    { bytes, count in
                        FuzzDriver.body(bytes.map { Data(bytes: $0, count: count) } ?? Data())
                        return 0
                    }))
        #else
            var paths: [String] = []
            for argument in CommandLine.arguments.dropFirst() {
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory), isDirectory.boolValue {
                    let names = (try? FileManager.default.contentsOfDirectory(atPath: argument)) ?? []
                    paths += names.sorted().map { argument + "/" + $0 }
                } else {
                    paths.append(argument)
                }
            }
            for path in paths {
                guard let data = FileManager.default.contents(atPath: path) else {
                    FileHandle.standardError.write(Data("cannot read \(path)\n".utf8))
                    exit(2)
                }
                target(data)
            }
            print("replayed \(paths.count) inputs")
            exit(0)
        #endif
    }
}

#if RAILYARD_FUZZ
    /// libFuzzer's entry point for a program that has its own `main`.
    @_silgen_name("LLVMFuzzerRunDriver")
    private func runDriver(
        _ argc: UnsafeMutablePointer<CInt>,
        _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
        _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
    ) -> CInt
#endif
