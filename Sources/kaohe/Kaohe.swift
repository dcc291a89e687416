import KaoheCLI

/// Entry point: everything lives in the KaoheCLI library.
@main
struct Kaohe {
    static func main() async {
        await KaoheCommand.main()
    }
}
