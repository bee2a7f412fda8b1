using Google.Protobuf;
using TorchSharp;
using static TorchSharp.torch;

namespace Notebooks.Weights.Tests.Models.InceptionV1;

/// <summary>
/// A tiny TF GraphDef writer for tests (field numbers from tensorflow/core/framework/*.proto):
/// Const nodes with attr "dtype" and "value" (TensorProto with tensor_content, or packed float_val
/// / int_val), plus plain op nodes.
/// </summary>
static class TfGraphWriter
{
    public sealed record Node(
        string Name,
        string Op,
        string[] Inputs,
        byte[]? Tensor,
        int DType = 1
    );

    /// <summary>A float Const node; <paramref name="asFloatVal"/> stores values as packed float_val
    /// instead of tensor_content.</summary>
    public static Node FloatConst(string name, Tensor t, bool asFloatVal = false)
    {
        var bytes = t.contiguous().bytes.ToArray();
        var data = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes).ToArray();
        return new Node(name, "Const", [], TensorProto(1, t.shape, w =>
            {
                if (asFloatVal)
                {
                    w.WriteTag(5, WireFormat.WireType.LengthDelimited);
                    w.WriteLength(data.Length * 4);
                    foreach (var f in data)
                        w.WriteFloat(f);
                }
                else
                {
                    w.WriteTag(4, WireFormat.WireType.LengthDelimited);
                    w.WriteBytes(ByteString.CopyFrom(bytes));
                }
            }));
    }

    /// <summary>An int32 Const node stored as int_val (e.g. a concat axis or reshape
    /// shape).</summary>
    public static Node IntConst(string name, int[] values, long[] shape) =>
        new(name, "Const", [], TensorProto(3, shape, w =>
            {
                using var ms = new MemoryStream();
                var inner = new CodedOutputStream(ms);
                foreach (var v in values)
                    inner.WriteInt32(v);
                inner.Flush();
                w.WriteTag(7, WireFormat.WireType.LengthDelimited);
                w.WriteBytes(ByteString.CopyFrom(ms.ToArray()));
            }), DType: 3);

    static byte[] TensorProto(int dtype, long[] shape, Action<CodedOutputStream> values) =>
        Message(w =>
        {
            w.WriteTag(1, WireFormat.WireType.Varint);
            w.WriteEnum(dtype);
            w.WriteTag(2, WireFormat.WireType.LengthDelimited);
            w.WriteBytes(
                ByteString.CopyFrom(
                    Message(s =>
                    {
                        foreach (var d in shape)
                        {
                            s.WriteTag(2, WireFormat.WireType.LengthDelimited);
                            s.WriteBytes(
                                ByteString.CopyFrom(
                                    Message(dim =>
                                    {
                                        dim.WriteTag(1, WireFormat.WireType.Varint);
                                        dim.WriteInt64(d);
                                    })
                                )
                            );
                        }
                    })
                )
            );
            values(w);
        });

    static byte[] AttrEntry(string key, Action<CodedOutputStream> attrValue) =>
        Message(e =>
        {
            e.WriteTag(1, WireFormat.WireType.LengthDelimited);
            e.WriteString(key);
            e.WriteTag(2, WireFormat.WireType.LengthDelimited);
            e.WriteBytes(ByteString.CopyFrom(Message(attrValue)));
        });

    public static byte[] Graph(IEnumerable<Node> nodes) =>
        Message(g =>
        {
            foreach (var n in nodes)
            {
                g.WriteTag(1, WireFormat.WireType.LengthDelimited);
                g.WriteBytes(
                    ByteString.CopyFrom(
                        Message(w =>
                        {
                            w.WriteTag(1, WireFormat.WireType.LengthDelimited);
                            w.WriteString(n.Name);
                            w.WriteTag(2, WireFormat.WireType.LengthDelimited);
                            w.WriteString(n.Op);
                            foreach (var i in n.Inputs)
                            {
                                w.WriteTag(3, WireFormat.WireType.LengthDelimited);
                                w.WriteString(i);
                            }
                            w.WriteTag(4, WireFormat.WireType.LengthDelimited);
                            w.WriteString("/cpu:0");
                            if (n.Tensor is { } t)
                            {
                                w.WriteTag(5, WireFormat.WireType.LengthDelimited);
                                w.WriteBytes(ByteString.CopyFrom(AttrEntry("dtype", a =>
                                        {
                                            a.WriteTag(6, WireFormat.WireType.Varint);
                                            a.WriteEnum(n.DType);
                                        })));
                                w.WriteTag(5, WireFormat.WireType.LengthDelimited);
                                w.WriteBytes(ByteString.CopyFrom(AttrEntry("value", a =>
                                        {
                                            a.WriteTag(8, WireFormat.WireType.LengthDelimited);
                                            a.WriteBytes(ByteString.CopyFrom(t));
                                        })));
                            }
                        })
                    )
                );
            }
            // GraphDef.versions (field 4) as TF writes it: VersionDef { producer = 1 }.
            g.WriteTag(4, WireFormat.WireType.LengthDelimited);
            g.WriteBytes(
                ByteString.CopyFrom(
                    Message(v =>
                    {
                        v.WriteTag(1, WireFormat.WireType.Varint);
                        v.WriteInt32(1);
                    })
                )
            );
        });

    static byte[] Message(Action<CodedOutputStream> write)
    {
        using var ms = new MemoryStream();
        var w = new CodedOutputStream(ms);
        write(w);
        w.Flush();
        return ms.ToArray();
    }
}
