import ArgumentParser

/// Options every command that CI may call shares.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print machine-readable JSON on standard output (errors too).")
    var json = false
}
