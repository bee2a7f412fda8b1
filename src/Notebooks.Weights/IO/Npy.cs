using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;
using TorchSharp;
using static TorchSharp.torch;

namespace Notebooks.Weights.IO;

/// <summary>
/// NumPy <c>.npy</c> (format 1.0/2.0/3.0) read/write for tensors: the interchange format of the
/// tool, tests and fixtures. Supports little-endian
/// float32/float64/int64/int32/int16/int8/uint8/bool, C order. Errors name the file and byte
/// offset.
/// </summary>
public static partial class Npy
{
    static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Writes a tensor (any device) as a C-ordered .npy file.</summary>
    public static void Save(string path, Tensor tensor)
    {
        using var scope = NewDisposeScope();
        var t = tensor.detach().cpu().contiguous();
        var (descr, size) = t.dtype switch
        {
            ScalarType.Float32 => ("<f4", 4),
            ScalarType.Float64 => ("<f8", 8),
            ScalarType.Int64 => ("<i8", 8),
            ScalarType.Int32 => ("<i4", 4),
            ScalarType.Int16 => ("<i2", 2),
            ScalarType.Int8 => ("|i1", 1),
            ScalarType.Byte => ("|u1", 1),
            ScalarType.Bool => ("|b1", 1),
            _ => throw new NotSupportedException(
                $"Npy.Save({path}): dtype {t.dtype} has no .npy equivalent here; convert to float32 first"
            ),
        };
        var shape = t.shape.Length == 1 ? $"({t.shape[0]},)" : $"({string.Join(", ", t.shape)})";
        var header = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}";
        int total = Magic.Length + 2 + 2 + header.Length + 1;
        header += new string(' ', (64 - total % 64) % 64) + "\n";
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir))
            Directory.CreateDirectory(dir);
        using var fs = File.Create(path);
        fs.Write(Magic);
        fs.Write([1, 0]);
        Span<byte> len = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(len, (ushort)header.Length);
        fs.Write(len);
        fs.Write(Encoding.ASCII.GetBytes(header));
        fs.Write(t.bytes);
        _ = size;
    }

    /// <summary>Writes a float array with the given shape.</summary>
    public static void Save(string path, float[] data, params long[] shape)
    {
        using var t = tensor(data).reshape(shape);
        Save(path, t);
    }

    /// <summary>Reads a .npy file into a CPU tensor of the matching dtype.</summary>
    public static Tensor Load(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"Npy.Load: file not found: {path}", path);
        var bytes = File.ReadAllBytes(path);
        return Parse(bytes, path);
    }

    /// <summary>Parses .npy bytes; <paramref name="name"/> is used in error messages.</summary>
    public static Tensor Parse(byte[] bytes, string name)
    {
        if (bytes.Length < 10 || !bytes.AsSpan(0, 6).SequenceEqual(Magic))
            throw new InvalidDataException(
                $"{name}: offset 0: not a .npy file (missing \\x93NUMPY magic)"
            );
        int major = bytes[6];
        int headerLen,
            headerStart;
        if (major == 1)
        {
            headerLen = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8));
            headerStart = 10;
        }
        else if (major is 2 or 3)
        {
            if (bytes.Length < 12)
                throw new InvalidDataException($"{name}: offset 8: truncated header length");
            headerLen = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8));
            headerStart = 12;
        }
        else
            throw new InvalidDataException(
                $"{name}: offset 6: unsupported .npy format version {major}.{bytes[7]} (expected 1, 2 or 3)"
            );
        if (headerStart + headerLen > bytes.Length)
            throw new InvalidDataException(
                $"{name}: offset {headerStart}: header of {headerLen} bytes runs past the end of the file ({bytes.Length} bytes)"
            );
        var header = Encoding.ASCII.GetString(bytes, headerStart, headerLen);
        var descr = DescrRx().Match(header);
        var fortran = FortranRx().Match(header);
        var shapeM = ShapeRx().Match(header);
        if (!descr.Success || !shapeM.Success)
            throw new InvalidDataException(
                $"{name}: offset {headerStart}: malformed header '{header.Trim()}' (need 'descr' and 'shape')"
            );
        if (fortran.Success && fortran.Groups[1].Value == "True")
            throw new NotSupportedException(
                $"{name}: Fortran-ordered arrays are not supported; save with np.ascontiguousarray"
            );
        var shape = shapeM
            .Groups[1]
            .Value.Split(
                ',',
                StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries
            )
            .Select(long.Parse)
            .ToArray();
        var d = descr.Groups[1].Value;
        var (dtype, size) = d switch
        {
            "<f4" => (ScalarType.Float32, 4),
            "<f8" => (ScalarType.Float64, 8),
            "<i8" => (ScalarType.Int64, 8),
            "<i4" => (ScalarType.Int32, 4),
            "<i2" => (ScalarType.Int16, 2),
            "|i1" => (ScalarType.Int8, 1),
            "|u1" => (ScalarType.Byte, 1),
            "|b1" => (ScalarType.Bool, 1),
            _ => throw new NotSupportedException(
                $"{name}: dtype '{d}' is not supported (little-endian f4, f8, i8, i4, i2, i1, u1, b1 are)"
            ),
        };
        long count = shape.Aggregate(1L, (a, b) => a * b);
        int dataStart = headerStart + headerLen;
        long need = count * size;
        if (bytes.Length - dataStart != need)
            throw new InvalidDataException(
                $"{name}: offset {dataStart}: expected {need} data bytes for shape ({string.Join(", ", shape)}) of {d}, found {bytes.Length - dataStart}"
            );
        var t = empty(shape, dtype);
        t.bytes = bytes.AsSpan(dataStart, (int)need);
        return t;
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']+)'")]
    private static partial Regex DescrRx();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranRx();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapeRx();
}
