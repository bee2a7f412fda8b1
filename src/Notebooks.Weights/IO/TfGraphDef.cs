using System.Buffers.Binary;
using Google.Protobuf;
using TorchSharp;
using static TorchSharp.torch;

namespace Notebooks.Weights.IO;

/// <summary>One node of a TF GraphDef: name, op and inputs.</summary>
public sealed record TfNode(string Name, string Op, IReadOnlyList<string> Inputs);

/// <summary>
/// A <c>Const</c> node's value: TF dtype name (<c>DT_FLOAT</c>, ...), shape and the tensor (null
/// for dtypes without a tensor equivalent, e.g. <c>DT_STRING</c>).
/// </summary>
public sealed record TfConstant(string Name, string DType, long[] Shape, Tensor? Value)
{
    /// <summary>True for DT_FLOAT/DT_DOUBLE/DT_HALF/DT_BFLOAT16 constants (weights); integer
    /// constants are graph structure (reshape shapes, concat axes).</summary>
    public bool IsFloating => DType is "DT_FLOAT" or "DT_DOUBLE" or "DT_HALF" or "DT_BFLOAT16";
}

/// <summary>The nodes and constants of a frozen TF graph.</summary>
public sealed record TfGraph(IReadOnlyList<TfNode> Nodes, IReadOnlyList<TfConstant> Constants);

/// <summary>
/// Reads a frozen TensorFlow <c>GraphDef</c> (<c>.pb</c>) without TensorFlow: the protobuf is
/// walked field by field with <see cref="CodedInputStream"/> (field numbers from
/// tensorflow/core/framework/{graph,node_def,attr_value,tensor, tensor_shape,types}.proto:
/// GraphDef.node = 1; NodeDef name = 1, op = 2, input = 3, attr = 5; AttrValue.tensor = 8;
/// TensorProto dtype = 1, tensor_shape = 2, tensor_content = 4, float_val = 5, double_val = 6,
/// int_val = 7, int64_val = 10, bool_val = 11, half_val = 13; TensorShapeProto.dim = 2 with
/// Dim.size = 1). Values of <c>Const</c> nodes (attr "value") become tensors in TF layout (conv
/// weights HWIO). Errors name the file and byte offset.
/// </summary>
public static class TfGraphDef
{
    static readonly Dictionary<int, (string Name, ScalarType? Type, int Size)> DTypes = new()
    {
        [1] = ("DT_FLOAT", ScalarType.Float32, 4),
        [2] = ("DT_DOUBLE", ScalarType.Float64, 8),
        [3] = ("DT_INT32", ScalarType.Int32, 4),
        [4] = ("DT_UINT8", ScalarType.Byte, 1),
        [5] = ("DT_INT16", ScalarType.Int16, 2),
        [6] = ("DT_INT8", ScalarType.Int8, 1),
        [7] = ("DT_STRING", null, 0),
        [9] = ("DT_INT64", ScalarType.Int64, 8),
        [10] = ("DT_BOOL", ScalarType.Bool, 1),
        [14] = ("DT_BFLOAT16", ScalarType.BFloat16, 2),
        [19] = ("DT_HALF", ScalarType.Float16, 2),
    };

    /// <summary>Reads a .pb file's nodes and constants.</summary>
    public static TfGraph Read(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException(
                $"TensorFlow graph file not found: {Path.GetFullPath(path)}",
                path
            );
        return Parse(File.ReadAllBytes(path), path);
    }

    /// <summary>The Const tensors of a .pb file by node name.</summary>
    public static Dictionary<string, Tensor> ReadConstants(string path) =>
        Read(path)
            .Constants.Where(c => c.Value is not null)
            .ToDictionary(c => c.Name, c => c.Value!, StringComparer.Ordinal);

    /// <summary>Parses GraphDef bytes; <paramref name="name"/> is used in error messages.</summary>
    public static TfGraph Parse(byte[] bytes, string name)
    {
        var nodes = new List<TfNode>();
        var consts = new List<TfConstant>();
        Walk(bytes, 0, bytes.Length, name, "GraphDef", (field, wire, r) =>
        {
            if (field == 1 && wire == WireFormat.WireType.LengthDelimited)
            {
                var (start, len) = r.Bytes();
                ParseNode(bytes, start, len, name, nodes, consts);
                return true;
            }
            return false;
        });
        if (bytes.Length > 0 && nodes.Count == 0)
            throw new InvalidDataException(
                $"{name}: offset 0: no GraphDef nodes found; not a TensorFlow .pb graph."
            );
        return new TfGraph(nodes, consts);
    }

    /// <summary>A cursor over a protobuf message region that reports absolute file
    /// offsets.</summary>
    sealed class Reader(byte[] data, int start, int length) : IDisposable
    {
        readonly CodedInputStream _in = new(data, start, length);
        public long Offset => _in.Position; // absolute: CodedInputStream counts from the buffer start

        public uint Tag() => _in.ReadTag();

        public ulong Varint() => _in.ReadUInt64();

        public uint Fixed32() => _in.ReadFixed32();

        public ulong Fixed64() => _in.ReadFixed64();

        public void Skip() => _in.SkipLastField();

        public bool AtEnd => _in.IsAtEnd;

        /// <summary>Reads a length-delimited field; returns the absolute start and length of its
        /// payload in the file.</summary>
        public (int Start, int Length) Bytes()
        {
            // Skipped, not copied: the payload is parsed in place from the file bytes. It starts
            // after the length varint (decoded and checked by SkipLastField): the bytes up to the
            // first without the continuation bit.
            int start = (int)Offset;
            _in.SkipLastField();
            while ((data[start] & 0x80) != 0)
                start++;
            start++;
            return (start, (int)Offset - start);
        }

        public string String() => _in.ReadString();

        public void Dispose() => _in.Dispose();
    }

    delegate bool FieldHandler(int field, WireFormat.WireType wire, Reader r);

    static void Walk(
        byte[] data,
        int start,
        int length,
        string file,
        string message,
        FieldHandler handle
    )
    {
        using var r = new Reader(data, start, length);
        long fieldStart = start;
        try
        {
            while (true)
            {
                fieldStart = r.Offset;
                uint tag = r.Tag();
                if (tag == 0)
                    break;
                int field = WireFormat.GetTagFieldNumber(tag);
                var wire = WireFormat.GetTagWireType(tag);
                // CodedInputStream skips unknown wire types silently; TF protos only use varint,
                // fixed64, bytes and fixed32.
                if (
                    wire
                    is not (
                        WireFormat.WireType.Varint
                        or WireFormat.WireType.Fixed64
                        or WireFormat.WireType.LengthDelimited
                        or WireFormat.WireType.Fixed32
                    )
                )
                    throw new InvalidDataException(
                        $"{file}: offset {fieldStart}: corrupt protobuf in {message} (invalid wire type {(int)wire} for field {field}); not a valid TensorFlow .pb graph."
                    );
                if (!handle(field, wire, r))
                    r.Skip();
            }
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException(
                $"{file}: offset {fieldStart}: corrupt protobuf in {message} ({e.Message}); not a valid TensorFlow .pb graph or truncated.",
                e
            );
        }
    }

    static void ParseNode(
        byte[] data,
        int start,
        int length,
        string file,
        List<TfNode> nodes,
        List<TfConstant> consts
    )
    {
        string name = "",
            op = "";
        var inputs = new List<string>();
        (int Start, int Length)? value = null;
        Walk(data, start, length, file, $"NodeDef at offset {start}", (field, wire, r) =>
        {
            switch (field)
            {
                case 1 when wire == WireFormat.WireType.LengthDelimited:
                    name = r.String();
                    return true;
                case 2 when wire == WireFormat.WireType.LengthDelimited:
                    op = r.String();
                    return true;
                case 3 when wire == WireFormat.WireType.LengthDelimited:
                    inputs.Add(r.String());
                    return true;
                case 5 when wire == WireFormat.WireType.LengthDelimited:
                    var (es, el) = r.Bytes();
                    var (key, val) = ParseAttrEntry(data, es, el, file);
                    if (key == "value" && val is { } v)
                        value = v;
                    return true;
                default:
                    return false;
            }
        });
        nodes.Add(new TfNode(name, op, inputs));
        if (op != "Const")
            return;
        if (value is not { } vv)
            throw new InvalidDataException(
                $"{file}: offset {start}: Const node '{name}' has no tensor in attr \"value\"."
            );
        consts.Add(ParseTensor(data, vv.Start, vv.Length, file, name));
    }

    /// <summary>A map&lt;string, AttrValue&gt; entry: key = 1, value = 2; returns the
    /// AttrValue.tensor (field 8) payload if any.</summary>
    static (string Key, (int, int)? Tensor) ParseAttrEntry(
        byte[] data,
        int start,
        int length,
        string file
    )
    {
        string key = "";
        (int, int)? tensor = null;
        Walk(data, start, length, file, $"NodeDef.attr entry at offset {start}", (field, wire, r) =>
        {
            if (field == 1 && wire == WireFormat.WireType.LengthDelimited)
            {
                key = r.String();
                return true;
            }
            if (field == 2 && wire == WireFormat.WireType.LengthDelimited)
            {
                var (vs, vl) = r.Bytes();
                Walk(data, vs, vl, file, $"AttrValue at offset {vs}", (f2, w2, r2) =>
                {
                    if (f2 == 8 && w2 == WireFormat.WireType.LengthDelimited)
                    {
                        tensor = r2.Bytes();
                        return true;
                    }
                    return false;
                });
                return true;
            }
            return false;
        });
        return (key, tensor);
    }

    static TfConstant ParseTensor(byte[] data, int start, int length, string file, string node)
    {
        int dtype = 0;
        var shape = new List<long>();
        (int Start, int Length)? content = null;
        var floats = new List<float>();
        var doubles = new List<double>();
        var longs = new List<long>(); // int_val, int64_val, bool_val, half_val (raw bits)
        Walk(
            data,
            start,
            length,
            file,
            $"TensorProto of '{node}' at offset {start}",
            (field, wire, r) =>
            {
                bool packed = wire == WireFormat.WireType.LengthDelimited;
                switch (field)
                {
                    case 1 when wire == WireFormat.WireType.Varint:
                        dtype = (int)r.Varint();
                        return true;
                    case 2 when packed:
                        var (ss, sl) = r.Bytes();
                        Walk(data, ss, sl, file, $"TensorShapeProto of '{node}'", (f2, w2, r2) =>
                        {
                            if (f2 != 2 || w2 != WireFormat.WireType.LengthDelimited)
                                return false;
                            var (ds, dl) = r2.Bytes();
                            long size = 0;
                            Walk(
                                data,
                                ds,
                                dl,
                                file,
                                $"TensorShapeProto.Dim of '{node}'",
                                (f3, w3, r3) =>
                                {
                                    if (f3 == 1 && w3 == WireFormat.WireType.Varint)
                                    {
                                        size = (long)r3.Varint();
                                        return true;
                                    }
                                    return false;
                                }
                            );
                            shape.Add(size);
                            return true;
                        });
                        return true;
                    case 4 when packed:
                        content = r.Bytes();
                        return true;
                    case 5:
                        Repeated(data, r, wire, WireFormat.WireType.Fixed32, rr =>
                            floats.Add(BitConverter.UInt32BitsToSingle(rr.Fixed32()))
                        );
                        return true;
                    case 6:
                        Repeated(data, r, wire, WireFormat.WireType.Fixed64, rr =>
                            doubles.Add(BitConverter.UInt64BitsToDouble(rr.Fixed64()))
                        );
                        return true;
                    case 7 or 10 or 11 or 13:
                        Repeated(data, r, wire, WireFormat.WireType.Varint, rr =>
                            longs.Add((long)rr.Varint())
                        );
                        return true;
                    default:
                        return false;
                }
            }
        );
        if (!DTypes.TryGetValue(dtype, out var dt))
            throw new InvalidDataException(
                $"{file}: offset {start}: Const '{node}' has unsupported TF dtype {dtype} (supported: {string.Join(", ", DTypes.Values.Select(d => d.Name))})."
            );
        var shp = shape.ToArray();
        if (dt.Type is not { } type)
            return new TfConstant(node, dt.Name, shp, null);
        long numel = shp.Aggregate(1L, (a, b) => a * b);
        var t = empty(shp, type);
        if (content is { } c)
        {
            if (c.Length != numel * dt.Size)
                throw new InvalidDataException(
                    $"{file}: offset {c.Start}: Const '{node}' ({dt.Name} [{string.Join(", ", shp)}]) needs {numel * dt.Size} bytes of tensor_content; found {c.Length}."
                );
            if (c.Length > 0)
                t.bytes = data.AsSpan(c.Start, c.Length);
            return new TfConstant(node, dt.Name, shp, t);
        }
        int count = type switch
        {
            ScalarType.Float32 => floats.Count,
            ScalarType.Float64 => doubles.Count,
            _ => longs.Count,
        };
        if (count > numel || (count > 1 && count < numel))
            throw new InvalidDataException(
                $"{file}: offset {start}: Const '{node}' ({dt.Name} [{string.Join(", ", shp)}]) has {count} values for {numel} elements."
            );
        var raw = new byte[numel * dt.Size];
        for (long i = 0; i < numel && count > 0; i++)
        {
            int j = count == 1 ? 0 : (int)i; // TF: a single value fills the whole shape
            var dst = raw.AsSpan((int)(i * dt.Size), dt.Size);
            switch (type)
            {
                case ScalarType.Float32:
                    BinaryPrimitives.WriteSingleLittleEndian(dst, floats[j]);
                    break;
                case ScalarType.Float64:
                    BinaryPrimitives.WriteDoubleLittleEndian(dst, doubles[j]);
                    break;
                case ScalarType.Int64:
                    BinaryPrimitives.WriteInt64LittleEndian(dst, longs[j]);
                    break;
                case ScalarType.Int32:
                    BinaryPrimitives.WriteInt32LittleEndian(dst, (int)longs[j]);
                    break;
                case ScalarType.Int16 or ScalarType.Float16 or ScalarType.BFloat16:
                    BinaryPrimitives.WriteInt16LittleEndian(dst, (short)longs[j]);
                    break;
                default:
                    dst[0] = (byte)longs[j];
                    break;
            }
        }
        if (raw.Length > 0)
            t.bytes = raw;
        return new TfConstant(node, dt.Name, shp, t);
    }

    /// <summary>A repeated scalar field, packed (length-delimited) or not.</summary>
    static void Repeated(
        byte[] data,
        Reader r,
        WireFormat.WireType wire,
        WireFormat.WireType element,
        Action<Reader> read
    )
    {
        if (wire == element)
        {
            read(r);
            return;
        }
        if (wire != WireFormat.WireType.LengthDelimited)
        {
            r.Skip();
            return;
        }
        var (s, l) = r.Bytes();
        var inner = new Reader(data, s, l);
        while (!inner.AtEnd)
            read(inner);
    }
}
