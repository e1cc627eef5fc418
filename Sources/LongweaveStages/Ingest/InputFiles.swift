import LongweaveCore
import LongweaveIO

/// The files an input names: the file itself, or a folder's files in name order (hidden
/// files skipped, `extensions` filtering when given, compressed variants included).
enum InputFiles {
    static func list(_ input: InputSpec, extensions: [String] = []) throws -> [(path: String, shown: String)] {
        guard FileSystem.isDirectory(input.resolvedPath) else { return [(input.resolvedPath, input.path)] }
        var files: [(String, String)] = []
        for name in try FileSystem.list(input.resolvedPath) where !name.hasPrefix(".") {
            let full = input.resolvedPath + "/" + name
            guard !FileSystem.isDirectory(full) else { continue }
            let plain = InputFile.uncompressedName(name)
            if !extensions.isEmpty && !extensions.contains(where: { plain.hasSuffix("." + $0) }) { continue }
            files.append((full, input.path + "/" + name))
        }
        return files
    }

    /// The file name without folders and extensions (`a/b/Mozilla.html.gz` → `Mozilla`).
    static func stem(_ path: String) -> String {
        let name = InputFile.uncompressedName(String(path.split(separator: "/").last ?? Substring(path)))
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return name }
        return String(name[..<dot])
    }
}
