using System.Text;
using Google.Protobuf;

namespace Notebooks.Weights.Models.Onnx.Proto;

/// <summary>
/// A protobuf wire-format reader over a byte buffer (values decoded by Google.Protobuf's
/// <see cref="CodedInputStream"/>, the library the TensorFlow GraphDef reader uses too) that knows
/// absolute byte offsets, so a corrupt or truncated file is reported as "file, offset, what was
/// expected" instead of a bare parse failure. One <see cref="CodedInputStream"/> reads the whole
/// buffer: the reader of an embedded message (<see cref="ReadMessage"/>) shares it and only narrows
/// the end, so varint and fixed fields allocate nothing and strings and bytes are located in the
/// buffer, not copied. An embedded message is read to its end before its parent reads on (as the
/// parsers' loops do).
/// </summary>
internal sealed class ProtoReader : IDisposable
{
    static readonly UTF8Encoding StrictUtf8 = new(false, true);

    readonly CodedInputStream _in;
    readonly bool _ownsInput;
    readonly byte[] _buffer;
    readonly string _source;
    readonly int _end;
    int _childEnd = -1; // end of the embedded message handed out last, until this reader reads on

    /// <summary>Reads <paramref name="buffer"/>[start, end); <paramref name="source"/> names the
    /// file in errors.</summary>
    public ProtoReader(byte[] buffer, int start, int end, string source)
        : this(
            new CodedInputStream(buffer, start, end - start),
            ownsInput: true,
            buffer,
            end,
            source
        ) { }

    ProtoReader(CodedInputStream input, bool ownsInput, byte[] buffer, int end, string source)
    {
        _in = input;
        _ownsInput = ownsInput;
        _buffer = buffer;
        _end = end;
        _source = source;
    }

    /// <summary>Absolute offset of the next byte.</summary>
    public int Position
    {
        get
        {
            ReadOn();
            return Offset;
        }
    }

    /// <summary>True when the message is fully read.</summary>
    public bool AtEnd => Position >= _end;

    /// <summary>Wire type of the last tag.</summary>
    public int WireType { get; private set; }

    /// <summary>Offset of the last tag.</summary>
    public int TagOffset { get; private set; }

    // CodedInputStream counts from the start of the buffer, not from the offset it was given.
    int Offset => (int)_in.Position;

    /// <summary>Reads the next tag; returns its field number.</summary>
    public int ReadTag()
    {
        TagOffset = Position;
        uint tag;
        try
        {
            tag = _in.ReadTag();
        }
        catch (InvalidProtocolBufferException e) when (IsTruncation(e))
        {
            throw Truncated(TagOffset, "a varint runs past the end of its message");
        }
        catch (InvalidProtocolBufferException e)
            when (e.Message.Contains("tag", StringComparison.OrdinalIgnoreCase))
        {
            throw Corrupt(TagOffset, "field number 0 (not a protobuf message)");
        }
        catch (InvalidProtocolBufferException)
        {
            throw Corrupt(TagOffset, "varint longer than 10 bytes");
        }
        if (Offset > _end)
            throw Truncated(TagOffset, "a varint runs past the end of its message");
        int field = (int)(tag >> 3);
        WireType = (int)(tag & 7);
        if (field == 0)
            throw Corrupt(TagOffset, "field number 0 (not a protobuf message)");
        if (WireType is 3 or 4 or 6 or 7)
            throw Corrupt(TagOffset, $"unsupported wire type {WireType} for field {field}");
        return field;
    }

    /// <summary>Reads a base-128 varint (decoded by Google.Protobuf's
    /// <see cref="CodedInputStream"/>).</summary>
    public ulong ReadVarint()
    {
        int start = Position;
        ulong value;
        try
        {
            value = _in.ReadUInt64();
        }
        catch (InvalidProtocolBufferException e) when (IsTruncation(e))
        {
            throw Truncated(start, "a varint runs past the end of its message");
        }
        catch (InvalidProtocolBufferException)
        {
            throw Corrupt(start, "varint longer than 10 bytes");
        }
        if (Offset > _end)
            throw Truncated(start, "a varint runs past the end of its message");
        return value;
    }

    /// <summary>Reads a varint as a signed 64-bit integer (int64/int32/enum fields).</summary>
    public long ReadInt64() => (long)ReadVarint();

    /// <summary>
    /// Skips the length-delimited value of the last tag and returns the absolute [start, end) of
    /// its payload (the payload is not copied).
    /// </summary>
    public (int start, int end) ReadLengthDelimited()
    {
        int at = Position;
        try
        {
            _in.SkipLastField();
        }
        catch (InvalidProtocolBufferException)
        {
            // A length past the end of the buffer (or beyond int): decode it once more, 64-bit, for
            // the message.
            using var again = new CodedInputStream(_buffer, at, _buffer.Length - at);
            ulong len;
            try
            {
                len = again.ReadUInt64();
            }
            catch (InvalidProtocolBufferException ex) when (IsTruncation(ex))
            {
                throw Truncated(at, "a varint runs past the end of its message");
            }
            catch (InvalidProtocolBufferException)
            {
                throw Corrupt(at, "varint longer than 10 bytes");
            }
            throw DeclaresTooMuch(at, len, (int)again.Position);
        }
        int e = Offset,
            s = PayloadStart(at);
        if (e > _end)
            throw DeclaresTooMuch(at, (ulong)(e - s), s);
        return (s, e);
    }

    /// <summary>A reader over the next length-delimited payload (an embedded message), read to its
    /// end before this one reads on.</summary>
    public ProtoReader ReadMessage()
    {
        var (_, e) = ReadLength();
        _childEnd = e;
        return new ProtoReader(_in, ownsInput: false, _buffer, e, _source);
    }

    /// <summary>Reads a length-delimited UTF-8 string.</summary>
    public string ReadString()
    {
        var (s, e) = ReadLengthDelimited();
        try
        {
            return StrictUtf8.GetString(_buffer, s, e - s);
        }
        catch (DecoderFallbackException)
        {
            throw Corrupt(s, "invalid UTF-8 in a string field");
        }
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
        if (_end - Position < 4)
            throw Truncated(Offset, "a 4-byte value runs past the end of its message");
        return _in.ReadFixed32();
    }

    /// <summary>Reads a little-endian 64-bit value (wire type 1).</summary>
    public ulong ReadFixed64()
    {
        if (_end - Position < 8)
            throw Truncated(Offset, "an 8-byte value runs past the end of its message");
        return _in.ReadFixed64();
    }

    /// <summary>Reads a float (wire type 5).</summary>
    public float ReadFloat() => BitConverter.UInt32BitsToSingle(ReadFixed32());

    /// <summary>Skips the value of the last tag.</summary>
    public void Skip()
    {
        switch (WireType)
        {
            case 0:
                ReadVarint();
                break;
            case 1:
                ReadFixed64();
                break;
            case 2:
                ReadLengthDelimited();
                break;
            case 5:
                ReadFixed32();
                break;
        }
    }

    /// <summary>Repeated int64 (packed or not) into <paramref name="into"/>.</summary>
    public void ReadInt64s(List<long> into)
    {
        if (WireType == 0)
        {
            into.Add(ReadInt64());
            return;
        }
        Expect(2, "int64");
        using var packed = ReadMessage();
        while (!packed.AtEnd)
            into.Add(packed.ReadInt64());
    }

    /// <summary>Repeated float (packed or not) into <paramref name="into"/>.</summary>
    public void ReadFloats(List<float> into)
    {
        if (WireType == 5)
        {
            into.Add(ReadFloat());
            return;
        }
        Expect(2, "float");
        var (s, e) = ReadLength();
        if ((e - s) % 4 != 0)
            throw Corrupt(s, $"packed float field of {e - s} bytes is not a multiple of 4");
        for (int p = s; p < e; p += 4)
            into.Add(_in.ReadFloat());
    }

    /// <summary>Repeated double (packed or not) into <paramref name="into"/>.</summary>
    public void ReadDoubles(List<double> into)
    {
        if (WireType == 1)
        {
            into.Add(BitConverter.UInt64BitsToDouble(ReadFixed64()));
            return;
        }
        Expect(2, "double");
        var (s, e) = ReadLength();
        if ((e - s) % 8 != 0)
            throw Corrupt(s, $"packed double field of {e - s} bytes is not a multiple of 8");
        for (int p = s; p < e; p += 8)
            into.Add(_in.ReadDouble());
    }

    /// <summary>Throws unless the last tag has wire type <paramref name="wireType"/>.</summary>
    public void Expect(int wireType, string what)
    {
        if (WireType != wireType)
            throw Corrupt(
                TagOffset,
                $"expected wire type {wireType} for a {what} field, found {WireType}"
            );
    }

    /// <summary>An error for corrupt bytes at <paramref name="offset"/>.</summary>
    public InvalidDataException Corrupt(int offset, string what) =>
        new($"Corrupt ONNX file '{_source}' at byte offset {offset}: {what}.");

    /// <summary>Disposes the stream if this reader opened it (the file's reader, not an embedded
    /// message's).</summary>
    public void Dispose()
    {
        if (_ownsInput)
            _in.Dispose();
    }

    /// <summary>
    /// Reads a length prefix, checks the payload lies within this message and returns its absolute
    /// [start, end); the stream stays at the start of the payload, which the caller reads to its
    /// end.
    /// </summary>
    (int start, int end) ReadLength()
    {
        int at = Position;
        ulong len = ReadVarint();
        int s = Offset;
        if (len > (ulong)(_end - s))
            throw DeclaresTooMuch(at, len, s);
        return (s, s + (int)len);
    }

    // An embedded message handed out before must have been read to its end: the stream is shared.
    void ReadOn()
    {
        if (_childEnd < 0)
            return;
        if (Offset != _childEnd)
            throw new InvalidOperationException(
                $"ProtoReader: an embedded message of '{_source}' ending at byte {_childEnd} was not read to its end (at {Offset})."
            );
        _childEnd = -1;
    }

    // The payload of a length-delimited field starts after its length varint: the bytes up to the
    // first one without the continuation bit (the varint itself was decoded, and checked, by
    // CodedInputStream).
    int PayloadStart(int lengthAt)
    {
        int p = lengthAt;
        while (p < _buffer.Length && (_buffer[p] & 0x80) != 0)
            p++;
        return p + 1;
    }

    static bool IsTruncation(InvalidProtocolBufferException e) =>
        e.Message.Contains("truncated", StringComparison.OrdinalIgnoreCase);

    InvalidDataException DeclaresTooMuch(int at, ulong len, int payloadStart) =>
        Truncated(
            at,
            $"field declares {len} bytes but only {Math.Max(0, _end - payloadStart)} remain in its enclosing message"
        );

    InvalidDataException Truncated(int offset, string what) =>
        new(
            $"Corrupt or truncated ONNX file '{_source}' at byte offset {offset}: {what} (file has {_buffer.Length} bytes)."
        );
}
