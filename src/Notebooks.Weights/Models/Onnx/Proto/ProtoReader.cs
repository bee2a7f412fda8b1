using System.Text;
using Google.Protobuf;

namespace Notebooks.Weights.Models.Onnx.Proto;

/// <summary>
/// A protobuf wire-format reader over a byte buffer (values decoded by Google.Protobuf's <see cref="CodedInputStream"/>,
/// the library the TensorFlow GraphDef reader uses too) that knows absolute byte offsets, so a corrupt or
/// truncated file is reported as "file, offset, what was expected" instead of a bare parse failure.
/// </summary>
internal sealed class ProtoReader
{
    readonly byte[] _buffer;
    readonly string _source;
    int _pos;
    readonly int _end;

    /// <summary>Reads <paramref name="buffer"/>[start, end); <paramref name="source"/> names the file in errors.</summary>
    public ProtoReader(byte[] buffer, int start, int end, string source)
    {
        _buffer = buffer; _pos = start; _end = end; _source = source;
    }

    /// <summary>Absolute offset of the next byte.</summary>
    public int Position => _pos;
    /// <summary>True when the message is fully read.</summary>
    public bool AtEnd => _pos >= _end;

    /// <summary>Wire type of the last tag.</summary>
    public int WireType { get; private set; }
    /// <summary>Offset of the last tag.</summary>
    public int TagOffset { get; private set; }

    /// <summary>Reads the next tag; returns its field number.</summary>
    public int ReadTag()
    {
        TagOffset = _pos;
        ulong tag = ReadVarint();
        int field = (int)(tag >> 3);
        WireType = (int)(tag & 7);
        if (field == 0) throw Corrupt(TagOffset, "field number 0 (not a protobuf message)");
        if (WireType is 3 or 4 or 6 or 7) throw Corrupt(TagOffset, $"unsupported wire type {WireType} for field {field}");
        return field;
    }

    /// <summary>Reads a base-128 varint (decoded by Google.Protobuf's <see cref="CodedInputStream"/>).</summary>
    public ulong ReadVarint()
    {
        int start = _pos;
        var input = new CodedInputStream(_buffer, _pos, _end - _pos);
        try { return input.ReadUInt64(); }
        catch (InvalidProtocolBufferException e) when (e.Message.Contains("truncated", StringComparison.OrdinalIgnoreCase))
        {
            throw Truncated(start, "a varint runs past the end of its message");
        }
        catch (InvalidProtocolBufferException) { throw Corrupt(start, "varint longer than 10 bytes"); }
        finally { _pos = (int)input.Position; }
    }

    /// <summary>Reads a varint as a signed 64-bit integer (int64/int32/enum fields).</summary>
    public long ReadInt64() => (long)ReadVarint();

    /// <summary>Reads a length prefix and returns the absolute [start, end) of the payload, advancing past it.</summary>
    public (int start, int end) ReadLengthDelimited()
    {
        int at = _pos;
        ulong len = ReadVarint();
        if (len > (ulong)(_end - _pos))
            throw Truncated(at, $"field declares {len} bytes but only {_end - _pos} remain in its enclosing message");
        int s = _pos;
        _pos += (int)len;
        return (s, _pos);
    }

    /// <summary>A reader over the next length-delimited payload (an embedded message).</summary>
    public ProtoReader ReadMessage()
    {
        var (s, e) = ReadLengthDelimited();
        return new ProtoReader(_buffer, s, e, _source);
    }

    /// <summary>Reads a length-delimited UTF-8 string.</summary>
    public string ReadString()
    {
        var (s, e) = ReadLengthDelimited();
        try { return new UTF8Encoding(false, true).GetString(_buffer, s, e - s); }
        catch (DecoderFallbackException) { throw Corrupt(s, "invalid UTF-8 in a string field"); }
    }

    /// <summary>Reads length-delimited bytes as a slice of the buffer.</summary>
    public ArraySegment<byte> ReadBytes()
    {
        var (s, e) = ReadLengthDelimited();
        return new ArraySegment<byte>(_buffer, s, e - s);
    }

    /// <summary>Reads a little-endian 32-bit value (wire type 5).</summary>
    public uint ReadFixed32()
    {
        if (_end - _pos < 4) throw Truncated(_pos, "a 4-byte value runs past the end of its message");
        var input = new CodedInputStream(_buffer, _pos, 4);
        _pos += 4;
        return input.ReadFixed32();
    }

    /// <summary>Reads a little-endian 64-bit value (wire type 1).</summary>
    public ulong ReadFixed64()
    {
        if (_end - _pos < 8) throw Truncated(_pos, "an 8-byte value runs past the end of its message");
        var input = new CodedInputStream(_buffer, _pos, 8);
        _pos += 8;
        return input.ReadFixed64();
    }

    /// <summary>Reads a float (wire type 5).</summary>
    public float ReadFloat() => BitConverter.UInt32BitsToSingle(ReadFixed32());

    /// <summary>Skips the value of the last tag.</summary>
    public void Skip()
    {
        switch (WireType)
        {
            case 0: ReadVarint(); break;
            case 1: ReadFixed64(); break;
            case 2: ReadLengthDelimited(); break;
            case 5: ReadFixed32(); break;
        }
    }

    /// <summary>Repeated int64 (packed or not) into <paramref name="into"/>.</summary>
    public void ReadInt64s(List<long> into)
    {
        if (WireType == 0) { into.Add(ReadInt64()); return; }
        Expect(2, "int64");
        var (s, e) = ReadLengthDelimited();
        var r = new ProtoReader(_buffer, s, e, _source);
        while (!r.AtEnd) into.Add(r.ReadInt64());
    }

    /// <summary>Repeated float (packed or not) into <paramref name="into"/>.</summary>
    public void ReadFloats(List<float> into)
    {
        if (WireType == 5) { into.Add(ReadFloat()); return; }
        Expect(2, "float");
        var (s, e) = ReadLengthDelimited();
        if ((e - s) % 4 != 0) throw Corrupt(s, $"packed float field of {e - s} bytes is not a multiple of 4");
        for (int p = s; p < e; p += 4) into.Add(BitConverter.ToSingle(_buffer, p));
    }

    /// <summary>Repeated double (packed or not) into <paramref name="into"/>.</summary>
    public void ReadDoubles(List<double> into)
    {
        if (WireType == 1) { into.Add(BitConverter.UInt64BitsToDouble(ReadFixed64())); return; }
        Expect(2, "double");
        var (s, e) = ReadLengthDelimited();
        if ((e - s) % 8 != 0) throw Corrupt(s, $"packed double field of {e - s} bytes is not a multiple of 8");
        for (int p = s; p < e; p += 8) into.Add(BitConverter.ToDouble(_buffer, p));
    }

    /// <summary>Throws unless the last tag has wire type <paramref name="wireType"/>.</summary>
    public void Expect(int wireType, string what)
    {
        if (WireType != wireType)
            throw Corrupt(TagOffset, $"expected wire type {wireType} for a {what} field, found {WireType}");
    }

    /// <summary>An error for corrupt bytes at <paramref name="offset"/>.</summary>
    public InvalidDataException Corrupt(int offset, string what) =>
        new($"Corrupt ONNX file '{_source}' at byte offset {offset}: {what}.");

    InvalidDataException Truncated(int offset, string what) =>
        new($"Corrupt or truncated ONNX file '{_source}' at byte offset {offset}: {what} (file has {_buffer.Length} bytes).");
}
