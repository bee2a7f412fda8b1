using System.IO.Compression;
using static TorchSharp.torch;

namespace Notebooks.Weights.IO;

/// <summary>NumPy <c>.npz</c> archives (<c>numpy.savez</c>, <c>savez_compressed</c>): a zip of
/// <c>.npy</c> members.</summary>
public static class Npz
{
    /// <summary>
    /// Reads every array of an <c>.npz</c> file into CPU tensors keyed by member name without
    /// <c>.npy</c> (numpy's keys). The caller owns the tensors. Errors name the file and the
    /// member.
    /// </summary>
    public static Dictionary<string, Tensor> Load(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"Npz.Load: file not found: {path}", path);
        ZipArchive zip;
        try
        {
            zip = ZipFile.OpenRead(path);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: not an .npz (zip) archive: {e.Message}", e);
        }
        using (zip)
        {
            var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            foreach (var e in zip.Entries)
            {
                using var s = e.Open();
                using var ms = new MemoryStream();
                s.CopyTo(ms);
                result[Path.GetFileNameWithoutExtension(e.Name)] = Npy.Parse(
                    ms.ToArray(),
                    $"{path}:{e.Name}"
                );
            }
            return result;
        }
    }
}
