namespace Notebooks.Weights.Cli;

/// <summary>
/// The one output-folder policy of every verb: an output folder (or the folder of an output file)
/// is created when it is missing and its parent exists; a missing parent, or a file where a folder
/// should be, is refused with a message naming the option. Verbs call this before any work, so a
/// bad path fails fast.
/// </summary>
public static class OutputPaths
{
    /// <summary>Checks/creates the output folder <paramref name="path"/> given as
    /// <paramref name="option"/>; returns its full path.</summary>
    public static string Folder(string path, string option = "--out") =>
        EnsureFolder(Path.GetFullPath(path), path, option);

    /// <summary>Checks the output file <paramref name="path"/> (not a folder) and creates its
    /// folder; returns its full path.</summary>
    public static string File(string path, string option = "--out")
    {
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
            throw new IOException(
                $"Cannot write {option} '{path}': it is a directory; give a file name."
            );
        EnsureFolder(Path.GetDirectoryName(full)!, path, option);
        return full;
    }

    static string EnsureFolder(string full, string given, string option)
    {
        if (System.IO.File.Exists(full))
            throw new IOException(
                $"Cannot write {option} '{given}': '{full}' is a file, not a folder."
            );
        if (Directory.Exists(full))
            return full;
        var parent = Path.GetDirectoryName(full.TrimEnd(Path.DirectorySeparatorChar));
        if (parent is not null && !Directory.Exists(parent))
            throw new DirectoryNotFoundException(
                $"Cannot write {option} '{given}': folder '{parent}' does not exist."
            );
        Directory.CreateDirectory(full);
        return full;
    }
}
