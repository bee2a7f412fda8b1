using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace Notebooks.Weights.IO;

/// <summary>The contents of a safetensors file: tensors in file order and the optional
/// <c>__metadata__</c> strings.</summary>
public sealed record SafetensorsContent(
    IReadOnlyList<KeyValuePair<string, Tensor>> Tensors,
    IReadOnlyDictionary<string, string> Metadata
)
{
    /// <summary>Tensors by name.</summary>
    public Dictionary<string, Tensor> ToDictionary() =>
        Tensors.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
}

/// <summary>
/// Hugging Face safetensors read/write: an 8-byte little-endian header length N, N bytes of JSON
/// (<c>{"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, "__metadata__":
/// {..}}</c>), then the byte buffer, offsets relative to its start. Reading checks every offset
/// against the file and the dtype/shape (errors name the file, the tensor and the byte offset).
/// dtypes: F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL.
/// </summary>
public static class Safetensors
{
    static readonly Dictionary<string, (ScalarType Type, int Size)> DTypes = new()
    {
        ["F64"] = (ScalarType.Float64, 8),
        ["F32"] = (ScalarType.Float32, 4),
        ["F16"] = (ScalarType.Float16, 2),
        ["BF16"] = (ScalarType.BFloat16, 2),
        ["I64"] = (ScalarType.Int64, 8),
        ["I32"] = (ScalarType.Int32, 4),
        ["I16"] = (ScalarType.Int16, 2),
        ["I8"] = (ScalarType.Int8, 1),
        ["U8"] = (ScalarType.Byte, 1),
        ["BOOL"] = (ScalarType.Bool, 1),
    };

    /// <summary>Largest header accepted (the format's own limit is 100 MB).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    /// <summary>Reads all tensors (CPU, the file's dtypes) by name.</summary>
    public static Dictionary<string, Tensor> Load(string path) => Read(path).ToDictionary();

    /// <summary>Reads all tensors in file order plus the metadata.</summary>
    public static SafetensorsContent Read(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException(
                $"Safetensors file not found: {Path.GetFullPath(path)}",
                path
            );
        return Parse(File.ReadAllBytes(path), path);
    }

    /// <summary>Parses safetensors bytes; <paramref name="name"/> is used in error
    /// messages.</summary>
    public static SafetensorsContent Parse(byte[] bytes, string name)
    {
        if (bytes.Length < 8)
            throw new InvalidDataException(
                $"{name}: offset 0: file of {bytes.Length} bytes is too short for a safetensors header length (8 bytes)."
            );
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (n > MaxHeaderBytes || 8 + (long)n > bytes.Length)
            throw new InvalidDataException(
                $"{name}: offset 0: header length {n} runs past the end of the file ({bytes.Length} bytes); not a safetensors file or truncated."
            );
        long dataStart = 8 + (long)n;
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(bytes.AsMemory(8, (int)n));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException(
                $"{name}: offset {8 + (e.BytePositionInLine ?? 0)}: header is not valid JSON ({e.Message.Split('\n')[0]}).",
                e
            );
        }
        using var _ = doc;
        if (doc.RootElement.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException(
                $"{name}: offset 8: header must be a JSON object; got {doc.RootElement.ValueKind}."
            );

        var metadata = new Dictionary<string, string>();
        var entries =
            new List<(
                string Name,
                ScalarType Type,
                int Size,
                long[] Shape,
                long Begin,
                long End
            )>();
        foreach (var prop in doc.RootElement.EnumerateObject())
        {
            if (prop.Name == "__metadata__")
            {
                if (prop.Value.ValueKind != JsonValueKind.Object)
                    throw new InvalidDataException(
                        $"{name}: offset 8: __metadata__ must be an object of strings."
                    );
                foreach (var m in prop.Value.EnumerateObject())
                    metadata[m.Name] =
                        m.Value.ValueKind == JsonValueKind.String
                            ? m.Value.GetString()!
                            : throw new InvalidDataException(
                                $"{name}: offset 8: __metadata__ value '{m.Name}' must be a string; got {m.Value.ValueKind}."
                            );
                continue;
            }
            if (entries.Any(e => e.Name == prop.Name))
                throw new InvalidDataException(
                    $"{name}: offset 8: tensor '{prop.Name}' is defined twice in the header."
                );
            entries.Add(ParseEntry(prop, name, bytes.Length - dataStart, dataStart));
        }

        // The byte buffer must be covered exactly: no overlaps, no holes (as the format requires).
        long expect = 0;
        foreach (var e in entries.OrderBy(e => e.Begin).ThenBy(e => e.End))
        {
            if (e.Begin != expect)
                throw new InvalidDataException(
                    $"{name}: offset {dataStart + Math.Min(e.Begin, expect)}: tensor '{e.Name}' data_offsets [{e.Begin}, {e.End}] "
                        + (
                            e.Begin < expect
                                ? $"overlap the previous tensor (which ends at {expect})."
                                : $"leave a hole after {expect}."
                        )
                );
            expect = e.End;
        }
        if (dataStart + expect != bytes.Length)
            throw new InvalidDataException(
                $"{name}: offset {dataStart + expect}: {bytes.Length - dataStart - expect} bytes after the last tensor are not described by the header."
            );

        var tensors = new List<KeyValuePair<string, Tensor>>();
        foreach (var e in entries)
        {
            var t = empty(e.Shape, e.Type);
            if (e.End > e.Begin)
                t.bytes = bytes.AsSpan((int)(dataStart + e.Begin), (int)(e.End - e.Begin));
            tensors.Add(new(e.Name, t));
        }
        return new SafetensorsContent(tensors, metadata);
    }

    static (string, ScalarType, int, long[], long, long) ParseEntry(
        JsonProperty prop,
        string file,
        long dataLength,
        long dataStart
    )
    {
        string t = prop.Name;
        var v = prop.Value;
        string Bad(string what) => $"{file}: offset 8: tensor '{t}': {what}";
        if (v.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException(
                Bad($"entry must be an object with dtype, shape, data_offsets; got {v.ValueKind}.")
            );
        if (!v.TryGetProperty("dtype", out var dt) || dt.ValueKind != JsonValueKind.String)
            throw new InvalidDataException(Bad("missing string 'dtype'."));
        if (!DTypes.TryGetValue(dt.GetString()!, out var type))
            throw new InvalidDataException(
                Bad(
                    $"unsupported dtype '{dt.GetString()}' (supported: {string.Join(", ", DTypes.Keys)})."
                )
            );
        if (!v.TryGetProperty("shape", out var sh) || sh.ValueKind != JsonValueKind.Array)
            throw new InvalidDataException(Bad("missing array 'shape'."));
        var shape = sh.EnumerateArray()
            .Select(d =>
                d.ValueKind == JsonValueKind.Number && d.TryGetInt64(out var x) && x >= 0
                    ? x
                    : throw new InvalidDataException(
                        Bad($"shape entries must be non-negative integers; got {sh.GetRawText()}.")
                    )
            )
            .ToArray();
        if (
            !v.TryGetProperty("data_offsets", out var off)
            || off.ValueKind != JsonValueKind.Array
            || off.GetArrayLength() != 2
        )
            throw new InvalidDataException(Bad("missing 'data_offsets' [begin, end]."));
        var o = off.EnumerateArray()
            .Select(d =>
                d.ValueKind == JsonValueKind.Number && d.TryGetInt64(out var x)
                    ? x
                    : throw new InvalidDataException(
                        Bad($"data_offsets must be integers; got {off.GetRawText()}.")
                    )
            )
            .ToArray();
        long begin = o[0],
            end = o[1];
        if (begin < 0 || end < begin || end > dataLength)
            throw new InvalidDataException(
                $"{file}: offset {dataStart + Math.Max(0, Math.Min(begin, dataLength))}: tensor '{t}' data_offsets [{begin}, {end}] fall outside the data buffer of {dataLength} bytes (file offsets {dataStart}..{dataStart + dataLength})."
            );
        long need = shape.Aggregate(1L, (a, b) => a * b) * type.Size;
        if (end - begin != need)
            throw new InvalidDataException(
                $"{file}: offset {dataStart + begin}: tensor '{t}' ({dt.GetString()} [{string.Join(", ", shape)}]) needs {need} bytes; data_offsets [{begin}, {end}] hold {end - begin}."
            );
        return (t, type.Type, type.Size, shape, begin, end);
    }

    /// <summary>Writes tensors (any device; stored contiguous, CPU, little-endian) and optional
    /// metadata.</summary>
    public static void Save(
        string path,
        IEnumerable<KeyValuePair<string, Tensor>> tensors,
        IReadOnlyDictionary<string, string>? metadata = null
    )
    {
        using var scope = NewDisposeScope();
        var list = tensors.Select(kv => (kv.Key, T: kv.Value.detach().cpu().contiguous())).ToList();
        var dup = list.GroupBy(x => x.Key).FirstOrDefault(g => g.Count() > 1);
        if (dup != null)
            throw new ArgumentException(
                $"Safetensors.Save({path}): tensor name '{dup.Key}' appears twice."
            );
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                w.WriteStartObject("__metadata__");
                foreach (var (k, val) in metadata)
                    w.WriteString(k, val);
                w.WriteEndObject();
            }
            long offset = 0;
            foreach (var (key, t) in list)
            {
                var code = DTypes.FirstOrDefault(d => d.Value.Type == t.dtype).Key
                    ?? throw new NotSupportedException(
                        $"Safetensors.Save({path}): tensor '{key}' has dtype {t.dtype}, which safetensors cannot hold here (supported: {string.Join(", ", DTypes.Keys)})."
                    );
                long len = t.NumberOfElements * DTypes[code].Size;
                w.WriteStartObject(key);
                w.WriteString("dtype", code);
                w.WriteStartArray("shape");
                foreach (var d in t.shape)
                    w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                w.WriteNumberValue(offset + len);
                w.WriteEndArray();
                w.WriteEndObject();
                offset += len;
            }
            w.WriteEndObject();
        }
        // Pad the header with spaces to a multiple of 8 bytes (as the reference writer does) so
        // data stays aligned.
        var header = ms.ToArray().ToList();
        while ((8 + header.Count) % 8 != 0)
            header.Add((byte)' ');
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir))
            Directory.CreateDirectory(dir);
        using var fs = File.Create(path);
        Span<byte> len8 = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(len8, (ulong)header.Count);
        fs.Write(len8);
        fs.Write(header.ToArray());
        foreach (var (_, t) in list)
            if (t.NumberOfElements > 0)
                fs.Write(t.bytes);
    }

    /// <summary>Writes tensors by name.</summary>
    public static void Save(
        string path,
        IReadOnlyDictionary<string, Tensor> tensors,
        IReadOnlyDictionary<string, string>? metadata = null
    ) => Save(path, tensors.AsEnumerable(), metadata);
}
