namespace Notebooks.Weights.Models.Onnx.Proto;

// The subset of onnx.proto (github.com/onnx/onnx, onnx/onnx.proto) this importer reads; field
// numbers as there.

/// <summary>ModelProto: ir_version=1, producer_name=2, producer_version=3, domain=4,
/// model_version=5, doc_string=6, graph=7, opset_import=8.</summary>
public sealed class OnnxModelProto
{
    /// <summary>IR version of the file format.</summary>
    public long IrVersion { get; set; }

    /// <summary>Exporter name, e.g. "pytorch".</summary>
    public string ProducerName { get; set; } = "";

    /// <summary>Exporter version.</summary>
    public string ProducerVersion { get; set; } = "";

    /// <summary>Operator set versions by domain ("" is ai.onnx).</summary>
    public List<(string Domain, long Version)> OpsetImport { get; } = [];

    /// <summary>The main graph.</summary>
    public OnnxGraphProto? Graph { get; set; }
}

/// <summary>GraphProto: node=1, name=2, initializer=5, input=11, output=12,
/// value_info=13.</summary>
public sealed class OnnxGraphProto
{
    /// <summary>Nodes in the file's (topological) order.</summary>
    public List<OnnxNodeProto> Nodes { get; } = [];

    /// <summary>Graph name.</summary>
    public string Name { get; set; } = "";

    /// <summary>Constant tensors (weights).</summary>
    public List<OnnxTensorProto> Initializers { get; } = [];

    /// <summary>Declared inputs (in old IR versions initializers are listed here too).</summary>
    public List<OnnxValueInfo> Inputs { get; } = [];

    /// <summary>Declared outputs.</summary>
    public List<OnnxValueInfo> Outputs { get; } = [];

    /// <summary>Byte offset of the first sparse_initializer (field 15), which this importer does
    /// not support; -1 if none.</summary>
    public int SparseInitializerOffset { get; set; } = -1;
}

/// <summary>NodeProto: input=1, output=2, name=3, op_type=4, attribute=5, domain=7.</summary>
public sealed class OnnxNodeProto
{
    /// <summary>Input value names ("" = omitted optional input).</summary>
    public List<string> Inputs { get; } = [];

    /// <summary>Output value names.</summary>
    public List<string> Outputs { get; } = [];

    /// <summary>Node name (may be empty).</summary>
    public string Name { get; set; } = "";

    /// <summary>Operator type, e.g. "Conv".</summary>
    public string OpType { get; set; } = "";

    /// <summary>Operator domain ("" or "ai.onnx" for standard ops).</summary>
    public string Domain { get; set; } = "";

    /// <summary>Attributes by name.</summary>
    public Dictionary<string, OnnxAttribute> Attributes { get; } = new(StringComparer.Ordinal);

    /// <summary>Byte offset of the node in the file (for errors).</summary>
    public int Offset { get; set; }

    /// <summary>
    /// For a node the importer split off a multi-output node (Split): which output of the original
    /// it computes (its only output), and how many outputs the original had. 0 and 1 for nodes read
    /// from the file.
    /// </summary>
    public int OutputIndex { get; init; }

    /// <inheritdoc cref="OutputIndex"/>
    public int OutputCount { get; init; } = 1;
}

/// <summary>AttributeProto: name=1, f=2, i=3, s=4, t=5, g=6, floats=7, ints=8, strings=9,
/// tensors=10, type=20.</summary>
public sealed class OnnxAttribute
{
    /// <summary>Attribute name.</summary>
    public string Name { get; set; } = "";

    /// <summary>AttributeType enum: FLOAT=1, INT=2, STRING=3, TENSOR=4, GRAPH=5, FLOATS=6, INTS=7,
    /// STRINGS=8, TENSORS=9.</summary>
    public int Type { get; set; }

    /// <summary>Float value.</summary>
    public float F { get; set; }

    /// <summary>Int value.</summary>
    public long I { get; set; }

    /// <summary>String value (bytes decoded as UTF-8).</summary>
    public string S { get; set; } = "";

    /// <summary>Tensor value.</summary>
    public OnnxTensorProto? T { get; set; }

    /// <summary>Float list.</summary>
    public List<float> Floats { get; } = [];

    /// <summary>Int list.</summary>
    public List<long> Ints { get; } = [];

    /// <summary>String list.</summary>
    public List<string> Strings { get; } = [];

    /// <summary>True when a graph (subgraph) value was present; subgraphs are not
    /// supported.</summary>
    public bool HasGraph { get; set; }
}

/// <summary>
/// TensorProto: dims=1, data_type=2, float_data=4, int32_data=5, int64_data=7, name=8, raw_data=9,
/// double_data=10, uint64_data=11, external_data=13 (StringStringEntryProto key=1 value=2),
/// data_location=14 (EXTERNAL=1).
/// </summary>
public sealed class OnnxTensorProto
{
    /// <summary>Shape.</summary>
    public List<long> Dims { get; } = [];

    /// <summary>DataType enum: FLOAT=1, UINT8=2, INT8=3, INT32=6, INT64=7, BOOL=9, FLOAT16=10,
    /// DOUBLE=11.</summary>
    public int DataType { get; set; }

    /// <summary>Tensor name.</summary>
    public string Name { get; set; } = "";

    /// <summary>Little-endian raw bytes, if stored that way.</summary>
    public ArraySegment<byte>? RawData { get; set; }

    /// <summary>float_data.</summary>
    public List<float> FloatData { get; } = [];

    /// <summary>int32_data (also holds int8/uint8/bool/float16 values).</summary>
    public List<long> Int32Data { get; } = [];

    /// <summary>int64_data.</summary>
    public List<long> Int64Data { get; } = [];

    /// <summary>double_data.</summary>
    public List<double> DoubleData { get; } = [];

    /// <summary>uint64_data.</summary>
    public List<long> UInt64Data { get; } = [];

    /// <summary>external_data key/value pairs (location, offset, length, checksum).</summary>
    public Dictionary<string, string> ExternalData { get; } = new(StringComparer.Ordinal);

    /// <summary>1 when the data lives in an external file.</summary>
    public int DataLocation { get; set; }

    /// <summary>Byte offset of the tensor in the file (for errors).</summary>
    public int Offset { get; set; }
}

/// <summary>ValueInfoProto: name=1, type=2 (TypeProto.tensor_type=1: elem_type=1, shape=2 of dims
/// with dim_value=1, dim_param=2).</summary>
public sealed class OnnxValueInfo
{
    /// <summary>Value name.</summary>
    public string Name { get; set; } = "";

    /// <summary>Element type (TensorProto.DataType), 0 if unknown.</summary>
    public int ElemType { get; set; }

    /// <summary>Shape: a number per fixed dimension, -1 for symbolic or unknown ones; null when no
    /// shape was given.</summary>
    public List<long>? Shape { get; set; }
}

/// <summary>Parses ONNX protobuf bytes into the classes above.</summary>
internal static class OnnxProtoParser
{
    public static OnnxModelProto ParseModel(byte[] bytes, string source)
    {
        using var r = new ProtoReader(bytes, 0, bytes.Length, source);
        var m = new OnnxModelProto();
        while (!r.AtEnd)
        {
            switch (r.ReadTag())
            {
                case 1:
                    r.Expect(0, "ModelProto.ir_version");
                    m.IrVersion = r.ReadInt64();
                    break;
                case 2:
                    r.Expect(2, "ModelProto.producer_name");
                    m.ProducerName = r.ReadString();
                    break;
                case 3:
                    r.Expect(2, "ModelProto.producer_version");
                    m.ProducerVersion = r.ReadString();
                    break;
                case 7:
                    r.Expect(2, "ModelProto.graph");
                    m.Graph ??= new OnnxGraphProto();
                    ParseGraph(r.ReadMessage(), m.Graph); // repeated occurrences merge, as protobuf specifies
                    break;
                case 8:
                {
                    r.Expect(2, "ModelProto.opset_import");
                    var o = r.ReadMessage();
                    string domain = "";
                    long version = 0;
                    while (!o.AtEnd)
                        switch (o.ReadTag())
                        {
                            case 1:
                                o.Expect(2, "OperatorSetIdProto.domain");
                                domain = o.ReadString();
                                break;
                            case 2:
                                o.Expect(0, "OperatorSetIdProto.version");
                                version = o.ReadInt64();
                                break;
                            default:
                                o.Skip();
                                break;
                        }
                    m.OpsetImport.Add((domain, version));
                    break;
                }
                default:
                    r.Skip();
                    break;
            }
        }
        return m;
    }

    static void ParseGraph(ProtoReader r, OnnxGraphProto g)
    {
        while (!r.AtEnd)
        {
            switch (r.ReadTag())
            {
                case 1:
                    r.Expect(2, "GraphProto.node");

                    {
                        int at = r.Position;
                        var n = ParseNode(r.ReadMessage());
                        n.Offset = at;
                        g.Nodes.Add(n);
                    }
                    break;
                case 2:
                    r.Expect(2, "GraphProto.name");
                    g.Name = r.ReadString();
                    break;
                case 5:
                    r.Expect(2, "GraphProto.initializer");

                    {
                        int at = r.Position;
                        var t = ParseTensor(r.ReadMessage());
                        t.Offset = at;
                        g.Initializers.Add(t);
                    }
                    break;
                case 11:
                    r.Expect(2, "GraphProto.input");
                    g.Inputs.Add(ParseValueInfo(r.ReadMessage()));
                    break;
                case 12:
                    r.Expect(2, "GraphProto.output");
                    g.Outputs.Add(ParseValueInfo(r.ReadMessage()));
                    break;
                case 15:
                    if (g.SparseInitializerOffset < 0)
                        g.SparseInitializerOffset = r.TagOffset;
                    r.Skip();
                    break;
                default:
                    r.Skip();
                    break;
            }
        }
    }

    static OnnxNodeProto ParseNode(ProtoReader r)
    {
        var n = new OnnxNodeProto();
        while (!r.AtEnd)
        {
            switch (r.ReadTag())
            {
                case 1:
                    r.Expect(2, "NodeProto.input");
                    n.Inputs.Add(r.ReadString());
                    break;
                case 2:
                    r.Expect(2, "NodeProto.output");
                    n.Outputs.Add(r.ReadString());
                    break;
                case 3:
                    r.Expect(2, "NodeProto.name");
                    n.Name = r.ReadString();
                    break;
                case 4:
                    r.Expect(2, "NodeProto.op_type");
                    n.OpType = r.ReadString();
                    break;
                case 5:
                    r.Expect(2, "NodeProto.attribute");

                    {
                        var a = ParseAttribute(r.ReadMessage());
                        n.Attributes[a.Name] = a;
                    }
                    break;
                case 7:
                    r.Expect(2, "NodeProto.domain");
                    n.Domain = r.ReadString();
                    break;
                default:
                    r.Skip();
                    break;
            }
        }
        return n;
    }

    static OnnxAttribute ParseAttribute(ProtoReader r)
    {
        var a = new OnnxAttribute();
        while (!r.AtEnd)
        {
            switch (r.ReadTag())
            {
                case 1:
                    r.Expect(2, "AttributeProto.name");
                    a.Name = r.ReadString();
                    break;
                case 2:
                    r.Expect(5, "AttributeProto.f");
                    a.F = r.ReadFloat();
                    break;
                case 3:
                    r.Expect(0, "AttributeProto.i");
                    a.I = r.ReadInt64();
                    break;
                case 4:
                    r.Expect(2, "AttributeProto.s");
                    a.S = r.ReadString();
                    break;
                case 5:
                    r.Expect(2, "AttributeProto.t");

                    {
                        int at = r.Position;
                        a.T = ParseTensor(r.ReadMessage());
                        a.T.Offset = at;
                    }
                    break;
                case 6:
                    r.Expect(2, "AttributeProto.g");
                    r.ReadLengthDelimited();
                    a.HasGraph = true;
                    break;
                case 7:
                    r.ReadFloats(a.Floats);
                    break;
                case 8:
                    r.ReadInt64s(a.Ints);
                    break;
                case 9:
                    r.Expect(2, "AttributeProto.strings");
                    a.Strings.Add(r.ReadString());
                    break;
                case 20:
                    r.Expect(0, "AttributeProto.type");
                    a.Type = (int)r.ReadInt64();
                    break;
                default:
                    r.Skip();
                    break;
            }
        }
        return a;
    }

    static OnnxTensorProto ParseTensor(ProtoReader r)
    {
        var t = new OnnxTensorProto();
        while (!r.AtEnd)
        {
            switch (r.ReadTag())
            {
                case 1:
                    r.ReadInt64s(t.Dims);
                    break;
                case 2:
                    r.Expect(0, "TensorProto.data_type");
                    t.DataType = (int)r.ReadInt64();
                    break;
                case 4:
                    r.ReadFloats(t.FloatData);
                    break;
                case 5:
                    r.ReadInt64s(t.Int32Data);
                    break;
                case 7:
                    r.ReadInt64s(t.Int64Data);
                    break;
                case 8:
                    r.Expect(2, "TensorProto.name");
                    t.Name = r.ReadString();
                    break;
                case 9:
                    r.Expect(2, "TensorProto.raw_data");
                    t.RawData = r.ReadBytes();
                    break;
                case 10:
                    r.ReadDoubles(t.DoubleData);
                    break;
                case 11:
                    r.ReadInt64s(t.UInt64Data);
                    break;
                case 13:
                {
                    r.Expect(2, "TensorProto.external_data");
                    var e = r.ReadMessage();
                    string k = "",
                        v = "";
                    while (!e.AtEnd)
                        switch (e.ReadTag())
                        {
                            case 1:
                                e.Expect(2, "StringStringEntryProto.key");
                                k = e.ReadString();
                                break;
                            case 2:
                                e.Expect(2, "StringStringEntryProto.value");
                                v = e.ReadString();
                                break;
                            default:
                                e.Skip();
                                break;
                        }
                    t.ExternalData[k] = v;
                    break;
                }
                case 14:
                    r.Expect(0, "TensorProto.data_location");
                    t.DataLocation = (int)r.ReadInt64();
                    break;
                default:
                    r.Skip();
                    break;
            }
        }
        return t;
    }

    static OnnxValueInfo ParseValueInfo(ProtoReader r)
    {
        var v = new OnnxValueInfo();
        while (!r.AtEnd)
        {
            switch (r.ReadTag())
            {
                case 1:
                    r.Expect(2, "ValueInfoProto.name");
                    v.Name = r.ReadString();
                    break;
                case 2:
                {
                    r.Expect(2, "ValueInfoProto.type");
                    var tp = r.ReadMessage();
                    while (!tp.AtEnd)
                    {
                        if (tp.ReadTag() != 1 || tp.WireType != 2)
                        {
                            tp.Skip();
                            continue;
                        }
                        var tt = tp.ReadMessage(); // TypeProto.Tensor
                        while (!tt.AtEnd)
                        {
                            int f = tt.ReadTag();
                            if (f == 1 && tt.WireType == 0)
                                v.ElemType = (int)tt.ReadInt64();
                            else if (f == 2 && tt.WireType == 2)
                            {
                                var sh = tt.ReadMessage(); // TensorShapeProto
                                v.Shape = [];
                                while (!sh.AtEnd)
                                {
                                    if (sh.ReadTag() != 1 || sh.WireType != 2)
                                    {
                                        sh.Skip();
                                        continue;
                                    }
                                    var d = sh.ReadMessage(); // Dimension
                                    long dim = -1;
                                    while (!d.AtEnd)
                                    {
                                        if (d.ReadTag() == 1 && d.WireType == 0)
                                            dim = d.ReadInt64();
                                        else
                                            d.Skip();
                                    }
                                    v.Shape.Add(dim);
                                }
                            }
                            else
                                tt.Skip();
                        }
                    }
                    break;
                }
                default:
                    r.Skip();
                    break;
            }
        }
        return v;
    }
}
