using System.Runtime.InteropServices;
using Notebooks.Weights.Models.Onnx.Proto;
using static TorchSharp.torch;

namespace Notebooks.Weights.Models.Onnx;

/// <summary>
/// Turns ONNX TensorProtos (inline raw_data / typed fields, or external data files next to the
/// model) into tensors. Floating types become float32 (the importer computes in float32, as ONNX
/// Runtime's CPU kernels do for float models); integer and bool types become int64 (they only feed
/// shapes, indices and pads).
/// </summary>
internal static class OnnxTensorReader
{
    public const int Float = 1,
        UInt8 = 2,
        Int8 = 3,
        UInt16 = 4,
        Int16 = 5,
        Int32 = 6,
        Int64 = 7,
        Bool = 9,
        Float16 = 10,
        Double = 11,
        UInt32 = 12,
        UInt64 = 13,
        BFloat16 = 16;

    public static string TypeName(int t) =>
        t switch
        {
            Float => "float",
            UInt8 => "uint8",
            Int8 => "int8",
            UInt16 => "uint16",
            Int16 => "int16",
            Int32 => "int32",
            Int64 => "int64",
            8 => "string",
            Bool => "bool",
            Float16 => "float16",
            Double => "double",
            UInt32 => "uint32",
            UInt64 => "uint64",
            BFloat16 => "bfloat16",
            _ => $"data type {t}",
        };

    static int ElementSize(int t) =>
        t switch
        {
            Float or Int32 or UInt32 => 4,
            Int64 or Double or UInt64 => 8,
            UInt8 or Int8 or Bool => 1,
            UInt16 or Int16 or Float16 or BFloat16 => 2,
            _ => 0,
        };

    /// <summary>Whether a data type is read as floating point.</summary>
    public static bool IsFloating(int t) => t is Float or Double or Float16 or BFloat16;

    /// <summary>Reads <paramref name="t"/>; <paramref name="modelPath"/> locates external
    /// data.</summary>
    public static Tensor Read(OnnxTensorProto t, string modelPath)
    {
        string what = $"tensor '{t.Name}' (byte offset {t.Offset} of '{modelPath}')";
        int esize = ElementSize(t.DataType);
        if (esize == 0)
            throw new NotSupportedException(
                $"ONNX {what} has {TypeName(t.DataType)} elements; supported: float, float16, bfloat16, double and integer/bool types."
            );
        long count = 1;
        foreach (var d in t.Dims)
        {
            if (d < 0)
                throw new InvalidDataException(
                    $"ONNX {what} has a negative dimension in shape [{string.Join(", ", t.Dims)}]."
                );
            count = checked(count * d);
        }
        var shape = t.Dims.ToArray();

        byte[]? raw = null;
        if (t.DataLocation == 1 || t.ExternalData.Count > 0)
            raw = ReadExternal(t, modelPath, what, count * esize);
        else if (t.RawData is { } r)
        {
            if (r.Count != count * esize)
                throw new InvalidDataException(
                    $"ONNX {what}: raw_data has {r.Count} bytes; shape [{string.Join(", ", shape)}] of {TypeName(t.DataType)} needs {count * esize}."
                );
            raw = r.ToArray();
        }

        if (raw is not null)
            return FromRaw(raw, t.DataType, shape);

        // Typed fields.
        switch (t.DataType)
        {
            case Float:
                Check(t.FloatData.Count, count, "float_data", what);
                return tensor(t.FloatData.ToArray()).reshape(shape);
            case Double:
                Check(t.DoubleData.Count, count, "double_data", what);
                return tensor(t.DoubleData.ToArray()).to_type(ScalarType.Float32).reshape(shape);
            case Int64:
                Check(t.Int64Data.Count, count, "int64_data", what);
                return tensor(t.Int64Data.ToArray()).reshape(shape);
            case UInt64 or UInt32:
                Check(t.UInt64Data.Count, count, "uint64_data", what);
                return tensor(t.UInt64Data.ToArray()).reshape(shape);
            case Float16 or BFloat16:
            {
                Check(t.Int32Data.Count, count, "int32_data", what);
                var bytes = new byte[count * 2];
                for (int i = 0; i < count; i++)
                    BitConverter.TryWriteBytes(bytes.AsSpan(i * 2), (ushort)t.Int32Data[i]);
                return FromRaw(bytes, t.DataType, shape);
            }
            default:
                Check(t.Int32Data.Count, count, "int32_data", what);
                return tensor(t.Int32Data.ToArray()).reshape(shape);
        }
    }

    static void Check(int got, long count, string field, string what)
    {
        if (got != count)
            throw new InvalidDataException(
                $"ONNX {what}: {field} has {got} values; its shape needs {count}."
            );
    }

    static Tensor FromRaw(byte[] raw, int type, long[] shape)
    {
        switch (type)
        {
            case Float:
                return tensor(MemoryMarshal.Cast<byte, float>(raw).ToArray()).reshape(shape);
            case Double:
                return tensor(MemoryMarshal.Cast<byte, double>(raw).ToArray())
                    .to_type(ScalarType.Float32)
                    .reshape(shape);
            case Float16:
            {
                var h = MemoryMarshal.Cast<byte, Half>(raw);
                var f = new float[h.Length];
                for (int i = 0; i < f.Length; i++)
                    f[i] = (float)h[i];
                return tensor(f).reshape(shape);
            }
            case BFloat16:
            {
                var u = MemoryMarshal.Cast<byte, ushort>(raw);
                var f = new float[u.Length];
                for (int i = 0; i < f.Length; i++)
                    f[i] = BitConverter.Int32BitsToSingle(u[i] << 16);
                return tensor(f).reshape(shape);
            }
            case Int64:
                return tensor(MemoryMarshal.Cast<byte, long>(raw).ToArray()).reshape(shape);
            case UInt64:
                return tensor(
                        MemoryMarshal
                            .Cast<byte, ulong>(raw)
                            .ToArray()
                            .Select(v => (long)v)
                            .ToArray()
                    )
                    .reshape(shape);
            case Int32:
                return tensor(
                        MemoryMarshal.Cast<byte, int>(raw).ToArray().Select(v => (long)v).ToArray()
                    )
                    .reshape(shape);
            case UInt32:
                return tensor(
                        MemoryMarshal.Cast<byte, uint>(raw).ToArray().Select(v => (long)v).ToArray()
                    )
                    .reshape(shape);
            case Int16:
                return tensor(
                        MemoryMarshal
                            .Cast<byte, short>(raw)
                            .ToArray()
                            .Select(v => (long)v)
                            .ToArray()
                    )
                    .reshape(shape);
            case UInt16:
                return tensor(
                        MemoryMarshal
                            .Cast<byte, ushort>(raw)
                            .ToArray()
                            .Select(v => (long)v)
                            .ToArray()
                    )
                    .reshape(shape);
            case Int8:
                return tensor(raw.Select(b => (long)(sbyte)b).ToArray()).reshape(shape);
            default:
                return tensor(raw.Select(b => (long)b).ToArray()).reshape(shape); // uint8, bool
        }
    }

    static byte[] ReadExternal(OnnxTensorProto t, string modelPath, string what, long nbytes)
    {
        if (!t.ExternalData.TryGetValue("location", out var location) || location.Length == 0)
            throw new InvalidDataException(
                $"ONNX {what} is stored externally but names no 'location'."
            );
        var dir = Path.GetDirectoryName(Path.GetFullPath(modelPath)) ?? ".";
        var file = Path.GetFullPath(Path.Combine(dir, location));
        if (!File.Exists(file))
            throw new FileNotFoundException(
                $"External data file '{location}' of ONNX {what} not found (looked for {file}).",
                file
            );
        long offset = t.ExternalData.TryGetValue("offset", out var o)
            ? ParseLong(o, "offset", what)
            : 0;
        long length = t.ExternalData.TryGetValue("length", out var l)
            ? ParseLong(l, "length", what)
            : nbytes;
        if (length != nbytes)
            throw new InvalidDataException(
                $"ONNX {what}: external data length {length} does not match shape [{string.Join(", ", t.Dims)}] of {TypeName(t.DataType)} ({nbytes} bytes)."
            );
        using var fs = File.OpenRead(file);
        if (offset + length > fs.Length)
            throw new InvalidDataException(
                $"ONNX {what}: external data [{offset}, {offset + length}) runs past the end of '{file}' ({fs.Length} bytes)."
            );
        fs.Seek(offset, SeekOrigin.Begin);
        var buf = new byte[length];
        fs.ReadExactly(buf);
        return buf;
    }

    static long ParseLong(string s, string key, string what) =>
        long.TryParse(s, out var v) && v >= 0
            ? v
            : throw new InvalidDataException(
                $"ONNX {what}: external data '{key}' is '{s}', not a non-negative integer."
            );
}
