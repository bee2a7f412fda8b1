using System.Text;

namespace Notebooks.Weights.Tests.Models.Onnx;

/// <summary>
/// A tiny ONNX protobuf writer for tests: builds single-op and small graphs (field numbers from
/// onnx.proto) so each operator and opset variant can be run by both the importer and ONNX Runtime.
/// </summary>
sealed class OnnxWriter
{
    readonly List<byte[]> _nodes = [],
        _inits = [],
        _inputs = [],
        _outputs = [];
    public int Opset { get; set; } = 13;
    public long IrVersion { get; set; } = 7;

    public OnnxWriter Input(string name, params long[] shape)
    {
        _inputs.Add(ValueInfo(name, 1, shape));
        return this;
    }

    public OnnxWriter Output(string name, int elemType = 1)
    {
        _outputs.Add(ValueInfo(name, elemType, null));
        return this;
    }

    public OnnxWriter Init(string name, float[] data, params long[] dims)
    {
        var t = new Msg();
        foreach (var d in dims)
            t.Varint(1, (ulong)d);
        t.Varint(2, 1);
        t.Str(8, name);
        var raw = new byte[data.Length * 4];
        Buffer.BlockCopy(data, 0, raw, 0, raw.Length);
        t.Bytes(9, raw);
        _inits.Add(t.ToArray());
        return this;
    }

    public OnnxWriter InitInt64(string name, long[] data, params long[] dims)
    {
        var t = new Msg();
        foreach (var d in dims)
            t.Varint(1, (ulong)d);
        t.Varint(2, 7);
        t.Str(8, name);
        var raw = new byte[data.Length * 8];
        Buffer.BlockCopy(data, 0, raw, 0, raw.Length);
        t.Bytes(9, raw);
        _inits.Add(t.ToArray());
        return this;
    }

    /// <summary>Adds a node; attributes are (name, value) with value float, long, int, string,
    /// float[] or long[].</summary>
    public OnnxWriter Node(
        string op,
        string name,
        string[] inputs,
        string[] outputs,
        params (string name, object value)[] attrs
    ) => DomainNode("", op, name, inputs, outputs, attrs);

    /// <summary>A node in operator domain <paramref name="domain"/> ("" = ai.onnx).</summary>
    public OnnxWriter DomainNode(
        string domain,
        string op,
        string name,
        string[] inputs,
        string[] outputs,
        params (string name, object value)[] attrs
    )
    {
        var n = new Msg();
        if (domain.Length > 0)
            n.Str(7, domain);
        foreach (var i in inputs)
            n.Str(1, i);
        foreach (var o in outputs)
            n.Str(2, o);
        n.Str(3, name);
        n.Str(4, op);
        foreach (var (an, av) in attrs)
        {
            var a = new Msg();
            a.Str(1, an);
            switch (av)
            {
                case float f:
                    a.Fixed32(2, BitConverter.SingleToUInt32Bits(f));
                    a.Varint(20, 1);
                    break;
                case int i:
                    a.Varint(3, (ulong)(long)i);
                    a.Varint(20, 2);
                    break;
                case long l:
                    a.Varint(3, (ulong)l);
                    a.Varint(20, 2);
                    break;
                case string s:
                    a.Bytes(4, Encoding.UTF8.GetBytes(s));
                    a.Varint(20, 3);
                    break;
                case float[] fs:
                    foreach (var f in fs)
                        a.Fixed32(7, BitConverter.SingleToUInt32Bits(f));
                    a.Varint(20, 6);
                    break;
                case long[] ls:
                    foreach (var l in ls)
                        a.Varint(8, (ulong)l);
                    a.Varint(20, 7);
                    break;
                case TensorAttr t:
                    a.Bytes(5, t.ToProto());
                    a.Varint(20, 4);
                    break;
                default:
                    throw new ArgumentException($"attribute type {av.GetType()}");
            }
            n.Bytes(5, a.ToArray());
        }
        _nodes.Add(n.ToArray());
        return this;
    }

    public byte[] ToBytes()
    {
        var g = new Msg();
        foreach (var n in _nodes)
            g.Bytes(1, n);
        g.Str(2, "test");
        foreach (var i in _inits)
            g.Bytes(5, i);
        foreach (var i in _inputs)
            g.Bytes(11, i);
        foreach (var o in _outputs)
            g.Bytes(12, o);
        var m = new Msg();
        m.Varint(1, (ulong)IrVersion);
        m.Str(2, "OnnxWriter");
        m.Bytes(7, g.ToArray());
        var opset = new Msg();
        opset.Str(1, "");
        opset.Varint(2, (ulong)Opset);
        m.Bytes(8, opset.ToArray());
        return m.ToArray();
    }

    public string Save(string path)
    {
        File.WriteAllBytes(path, ToBytes());
        return path;
    }

    /// <summary>
    /// Appends graph outputs to a serialized model: a second ModelProto.graph field holding only
    /// outputs merges into the first (protobuf concatenation semantics), so ONNX Runtime also
    /// returns those intermediate values.
    /// </summary>
    public static byte[] WithExtraOutputs(byte[] model, IEnumerable<string> names)
    {
        var g = new Msg();
        foreach (var n in names)
            g.Bytes(12, ValueInfo(n, 1, null));
        var tail = new Msg();
        tail.Bytes(7, g.ToArray());
        return [.. model, .. tail.ToArray()];
    }

    static byte[] ValueInfo(string name, int elemType, long[]? shape)
    {
        var tensorType = new Msg();
        tensorType.Varint(1, (ulong)elemType);
        if (shape is not null)
        {
            var sh = new Msg();
            foreach (var d in shape)
            {
                var dim = new Msg();
                dim.Varint(1, (ulong)d);
                sh.Bytes(1, dim.ToArray());
            }
            tensorType.Bytes(2, sh.ToArray());
        }
        var type = new Msg();
        type.Bytes(1, tensorType.ToArray());
        var v = new Msg();
        v.Str(1, name);
        v.Bytes(2, type.ToArray());
        return v.ToArray();
    }

    /// <summary>A TENSOR attribute value (e.g. ConstantOfShape's value): data type 1 (float) or 7
    /// (int64), raw little-endian bytes.</summary>
    public sealed record TensorAttr(int DataType, byte[] Raw, params long[] Dims)
    {
        public static TensorAttr Float(params float[] v)
        {
            var b = new byte[v.Length * 4];
            Buffer.BlockCopy(v, 0, b, 0, b.Length);
            return new(1, b, v.Length);
        }

        public static TensorAttr Int64(params long[] v)
        {
            var b = new byte[v.Length * 8];
            Buffer.BlockCopy(v, 0, b, 0, b.Length);
            return new(7, b, v.Length);
        }

        internal byte[] ToProto()
        {
            var t = new Msg();
            foreach (var d in Dims)
                t.Varint(1, (ulong)d);
            t.Varint(2, (ulong)DataType);
            t.Bytes(9, Raw);
            return t.ToArray();
        }
    }

    sealed class Msg
    {
        readonly MemoryStream _s = new();

        void Raw(ulong v)
        {
            while (v >= 0x80)
            {
                _s.WriteByte((byte)(v | 0x80));
                v >>= 7;
            }
            _s.WriteByte((byte)v);
        }

        public void Varint(int field, ulong v)
        {
            Raw((ulong)field << 3);
            Raw(v);
        }

        public void Fixed32(int field, uint v)
        {
            Raw(((ulong)field << 3) | 5);
            _s.Write(BitConverter.GetBytes(v));
        }

        public void Bytes(int field, byte[] b)
        {
            Raw(((ulong)field << 3) | 2);
            Raw((ulong)b.Length);
            _s.Write(b);
        }

        public void Str(int field, string s) => Bytes(field, Encoding.UTF8.GetBytes(s));

        public byte[] ToArray() => _s.ToArray();
    }
}
