using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Text;
using Dm3.Protocol.Crypto;

namespace Dm3.Protocol.Abi;

/// <summary>
/// Solidity ABI encoding (<c>abi.encode</c>, <c>abi.encodeWithSelector</c>) and a strict decoder.
/// <para>
/// The decoder accepts only the canonical encoding that Solidity, ethers and viem produce: every offset is a multiple
/// of 32 and points exactly at the next free position of the enclosing tail (tails in order, no gaps, no overlap),
/// every padding byte is zero, integers and addresses fit their type, strings are valid UTF-8 and nothing follows the
/// encoding. Canonical-only decoding makes each decoded value correspond to exactly one byte string (so a cache keyed by
/// calldata cannot be bypassed with re-encodings) and rules out the quadratic blow-up of overlapping offsets.
/// Every length and count is checked against the remaining input before anything is allocated. It never throws on
/// bad input.
/// </para>
/// </summary>
public static class AbiCodec
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The 4-byte selector of a canonical function signature, e.g. <c>resolve(bytes,bytes)</c>.</summary>
    public static byte[] Selector(string signature)
    {
        ArgumentNullException.ThrowIfNull(signature);
        return Hashes.Keccak256(System.Text.Encoding.ASCII.GetBytes(signature))[..4];
    }

    /// <summary>The selector as a big-endian number (handy for <c>switch</c>).</summary>
    public static uint SelectorValue(string signature) => BinaryPrimitives.ReadUInt32BigEndian(Selector(signature));

    /// <summary>Reads the big-endian selector of calldata; false when it is shorter than 4 bytes.</summary>
    public static bool TryReadSelector(ReadOnlySpan<byte> calldata, out uint selector)
    {
        if (calldata.Length < 4)
        {
            selector = 0;
            return false;
        }

        selector = BinaryPrimitives.ReadUInt32BigEndian(calldata);
        return true;
    }

    /// <summary><c>abi.encode(v1, …, vn)</c>: the values encoded as one tuple.</summary>
    public static byte[] Encode(params AbiValue[] values) => Encode((IReadOnlyList<AbiValue>)values);

    /// <summary><c>abi.encode(v1, …, vn)</c>: the values encoded as one tuple.</summary>
    public static byte[] Encode(IReadOnlyList<AbiValue> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var w = new Writer();
        EncodeSequence(w, values);
        return w.ToArray();
    }

    /// <summary><c>abi.encodeWithSelector(selector, args…)</c>.</summary>
    public static byte[] EncodeCall(uint selector, params AbiValue[] args)
    {
        var body = Encode(args);
        var result = new byte[4 + body.Length];
        BinaryPrimitives.WriteUInt32BigEndian(result, selector);
        body.CopyTo(result, 4);
        return result;
    }

    /// <summary>Decodes <c>abi.encode</c> output of the given types (strict, canonical-only; see the class remarks).</summary>
    public static bool TryDecode(
        ReadOnlySpan<byte> data,
        IReadOnlyList<AbiType> types,
        [NotNullWhen(true)] out IReadOnlyList<AbiValue>? values,
        [NotNullWhen(false)] out ProtocolError? error)
    {
        ArgumentNullException.ThrowIfNull(types);
        values = null;
        var reader = new Reader(data);
        var headSize = 0L;
        foreach (var t in types)
        {
            headSize += t.HeadSize;
        }

        if (headSize > data.Length)
        {
            error = Err("abi.truncated", "The data is shorter than the heads of the expected values.");
            return false;
        }

        var result = new AbiValue[types.Count];
        if (!reader.DecodeSequence(0, types.Count, i => types[i], result, out var end, out error))
        {
            return false;
        }

        if (end != data.Length)
        {
            error = Err("abi.trailing_bytes", "Bytes follow the end of the ABI encoding.");
            return false;
        }

        values = result;
        return true;
    }

    /// <summary>Decodes calldata: checks the selector, then decodes the arguments like <see cref="TryDecode"/>.</summary>
    public static bool TryDecodeCall(
        ReadOnlySpan<byte> calldata,
        uint expectedSelector,
        IReadOnlyList<AbiType> types,
        [NotNullWhen(true)] out IReadOnlyList<AbiValue>? values,
        [NotNullWhen(false)] out ProtocolError? error)
    {
        values = null;
        if (!TryReadSelector(calldata, out var selector))
        {
            error = Err("abi.truncated", "Calldata is shorter than a 4-byte selector.");
            return false;
        }

        if (selector != expectedSelector)
        {
            error = Err("abi.unexpected_selector", $"Expected selector 0x{expectedSelector:x8}, got 0x{selector:x8}.");
            return false;
        }

        return TryDecode(calldata[4..], types, out values, out error);
    }

    private static ProtocolError Err(string code, string message) => new(code, message);

    // ---------------------------------------------------------------- encoding

    private static void EncodeSequence(Writer w, IReadOnlyList<AbiValue> values)
    {
        var headSize = 0;
        foreach (var v in values)
        {
            ArgumentNullException.ThrowIfNull(v);
            headSize += v.Type.HeadSize;
        }

        var tails = new List<byte[]>();
        var tailOffset = headSize;
        foreach (var v in values)
        {
            if (v.Type.IsDynamic)
            {
                var tail = new Writer();
                EncodeDynamic(tail, v);
                var bytes = tail.ToArray();
                w.WriteUInt(tailOffset);
                tailOffset += bytes.Length;
                tails.Add(bytes);
            }
            else
            {
                EncodeStatic(w, v);
            }
        }

        foreach (var t in tails)
        {
            w.Write(t);
        }
    }

    private static void EncodeStatic(Writer w, AbiValue v)
    {
        switch (v)
        {
            case AbiValue.Address a:
                w.WriteZeros(12);
                w.Write(a.Value);
                break;
            case AbiValue.FixedBytes f:
                w.Write(f.Value);
                w.WriteZeros(32 - f.Value.Length);
                break;
            case AbiValue.Uint u:
                w.WriteBig(u.Value);
                break;
            case AbiValue.Tuple t:
                EncodeSequence(w, t.Items);
                break;
            default:
                throw new ArgumentException($"Unsupported static ABI value {v.GetType().Name}.", nameof(v));
        }
    }

    private static void EncodeDynamic(Writer w, AbiValue v)
    {
        switch (v)
        {
            case AbiValue.Bytes b:
                WriteBytesBody(w, b.Value);
                break;
            case AbiValue.Text s:
                WriteBytesBody(w, StrictUtf8.GetBytes(s.Value));
                break;
            case AbiValue.List l:
                w.WriteUInt(l.Items.Count);
                EncodeSequence(w, l.Items);
                break;
            case AbiValue.Tuple t:
                EncodeSequence(w, t.Items);
                break;
            default:
                throw new ArgumentException($"Unsupported dynamic ABI value {v.GetType().Name}.", nameof(v));
        }
    }

    private static void WriteBytesBody(Writer w, ReadOnlySpan<byte> bytes)
    {
        w.WriteUInt(bytes.Length);
        w.Write(bytes);
        w.WriteZeros(Pad(bytes.Length));
    }

    private static int Pad(int length) => (32 - (length % 32)) % 32;

    private sealed class Writer
    {
        private readonly MemoryStream _stream = new();

        public void Write(ReadOnlySpan<byte> bytes) => _stream.Write(bytes);

        public void WriteZeros(int count)
        {
            Span<byte> zeros = stackalloc byte[32];
            zeros.Clear();
            while (count > 0)
            {
                var n = Math.Min(count, 32);
                _stream.Write(zeros[..n]);
                count -= n;
            }
        }

        public void WriteUInt(long value)
        {
            Span<byte> word = stackalloc byte[32];
            word.Clear();
            BinaryPrimitives.WriteInt64BigEndian(word[24..], value);
            _stream.Write(word);
        }

        public void WriteBig(BigInteger value)
        {
            Span<byte> word = stackalloc byte[32];
            word.Clear();
            var count = value.GetByteCount(isUnsigned: true);
            value.TryWriteBytes(word[(32 - count)..], out _, isUnsigned: true, isBigEndian: true);
            _stream.Write(word);
        }

        public byte[] ToArray() => _stream.ToArray();
    }

    // ---------------------------------------------------------------- decoding

    private readonly ref struct Reader
    {
        private readonly ReadOnlySpan<byte> _data;

        public Reader(ReadOnlySpan<byte> data) => _data = data;

        /// <summary>
        /// Decodes <paramref name="count"/> values whose heads start at <paramref name="start"/>.
        /// <paramref name="end"/> receives the position after the last tail (or after the heads when all are static).
        /// </summary>
        public bool DecodeSequence(int start, int count, Func<int, AbiType> typeAt, AbiValue[] result, out int end, [NotNullWhen(false)] out ProtocolError? error)
        {
            long headSize = 0;
            for (var i = 0; i < count; i++)
            {
                headSize += typeAt(i).HeadSize;
            }

            end = 0;
            if (start + headSize > _data.Length)
            {
                error = Err("abi.truncated", "The data ends inside the heads of a tuple or array.");
                return false;
            }

            var head = start;
            var nextTail = start + (int)headSize;
            for (var i = 0; i < count; i++)
            {
                var type = typeAt(i);
                if (type.IsDynamic)
                {
                    if (!ReadSmall(head, out var offset))
                    {
                        error = Err("abi.offset_out_of_range", "An offset does not fit the data.");
                        return false;
                    }

                    if (offset % 32 != 0)
                    {
                        error = Err("abi.offset_misaligned", "An offset is not a multiple of 32.");
                        return false;
                    }

                    var target = (long)start + offset;
                    if (target > _data.Length)
                    {
                        error = Err("abi.offset_out_of_range", "An offset points outside the data.");
                        return false;
                    }

                    if (target != nextTail)
                    {
                        error = Err("abi.offset_noncanonical", "An offset does not point at the next tail position (non-canonical encoding).");
                        return false;
                    }

                    if (!DecodeDynamic((int)target, type, out var value, out var valueEnd, out error))
                    {
                        return false;
                    }

                    result[i] = value;
                    nextTail = valueEnd;
                }
                else
                {
                    if (!DecodeStatic(head, type, out var staticValue, out error))
                    {
                        return false;
                    }

                    result[i] = staticValue!;
                }

                head += type.HeadSize;
            }

            end = nextTail;
            error = null;
            return true;
        }

        private bool DecodeStatic(int pos, AbiType type, out AbiValue? value, [NotNullWhen(false)] out ProtocolError? error)
        {
            value = null;
            if (pos + (long)type.HeadSize > _data.Length)
            {
                error = Err("abi.truncated", "The data ends inside a static value.");
                return false;
            }

            switch (type)
            {
                case AbiType.AddressType:
                    {
                        var word = _data.Slice(pos, 32);
                        if (word[..12].ContainsAnyExcept((byte)0))
                        {
                            error = Err("abi.value_out_of_range", "An address word has non-zero high bytes.");
                            return false;
                        }

                        value = new AbiValue.Address(word[12..]);
                        error = null;
                        return true;
                    }

                case AbiType.FixedBytesType f:
                    {
                        var word = _data.Slice(pos, 32);
                        if (word[f.Size..].ContainsAnyExcept((byte)0))
                        {
                            error = Err("abi.padding_nonzero", $"The padding of a bytes{f.Size} value is not zero.");
                            return false;
                        }

                        value = new AbiValue.FixedBytes(word[..f.Size]);
                        error = null;
                        return true;
                    }

                case AbiType.UintType u:
                    {
                        var word = _data.Slice(pos, 32);
                        if (word[..(32 - (u.Bits / 8))].ContainsAnyExcept((byte)0))
                        {
                            error = Err("abi.value_out_of_range", $"A value does not fit uint{u.Bits}.");
                            return false;
                        }

                        value = new AbiValue.Uint(new BigInteger(word, isUnsigned: true, isBigEndian: true), u.Bits);
                        error = null;
                        return true;
                    }

                case AbiType.TupleType t:
                    {
                        var items = new AbiValue[t.Elements.Count];
                        if (!DecodeSequence(pos, items.Length, i => t.Elements[i], items, out _, out error))
                        {
                            return false;
                        }

                        value = new AbiValue.Tuple(items);
                        return true;
                    }

                default:
                    error = Err("abi.unsupported_type", $"Type {type.Name} is not supported.");
                    return false;
            }
        }

        private bool DecodeDynamic(int pos, AbiType type, out AbiValue value, out int end, [NotNullWhen(false)] out ProtocolError? error)
        {
            value = null!;
            end = 0;
            switch (type)
            {
                case AbiType.BytesType:
                case AbiType.StringType:
                    {
                        if (!ReadBytesBody(pos, out var body, out end, out error))
                        {
                            return false;
                        }

                        if (type is AbiType.BytesType)
                        {
                            value = new AbiValue.Bytes(body);
                            return true;
                        }

                        try
                        {
                            value = new AbiValue.Text(StrictUtf8.GetString(body));
                            return true;
                        }
                        catch (DecoderFallbackException)
                        {
                            error = Err("abi.invalid_utf8", "A string is not valid UTF-8.");
                            return false;
                        }
                    }

                case AbiType.ArrayType a:
                    {
                        if (!ReadLength(pos, out var count, out error))
                        {
                            return false;
                        }

                        // Each item needs at least one 32-byte head word (static items a whole head each):
                        // bound the count by the remaining bytes before allocating anything.
                        var remaining = _data.Length - (pos + 32L);
                        if ((long)count * a.Element.HeadSize > remaining)
                        {
                            error = Err("abi.length_out_of_range", "An array count exceeds the remaining data.");
                            return false;
                        }

                        var items = new AbiValue[count];
                        if (!DecodeSequence(pos + 32, count, _ => a.Element, items, out end, out error))
                        {
                            return false;
                        }

                        value = new AbiValue.List(a.Element, items);
                        return true;
                    }

                case AbiType.TupleType t:
                    {
                        var items = new AbiValue[t.Elements.Count];
                        if (!DecodeSequence(pos, items.Length, i => t.Elements[i], items, out end, out error))
                        {
                            return false;
                        }

                        value = new AbiValue.Tuple(items);
                        return true;
                    }

                default:
                    error = Err("abi.unsupported_type", $"Type {type.Name} is not dynamic.");
                    return false;
            }
        }

        private bool ReadBytesBody(int pos, out ReadOnlySpan<byte> body, out int end, [NotNullWhen(false)] out ProtocolError? error)
        {
            body = default;
            end = 0;
            if (!ReadLength(pos, out var length, out error))
            {
                return false;
            }

            var start = pos + 32L;
            var padded = length + (long)Pad(length);
            if (start + padded > _data.Length)
            {
                error = Err("abi.length_out_of_range", "A bytes/string length exceeds the remaining data.");
                return false;
            }

            body = _data.Slice((int)start, length);
            if (_data.Slice((int)start + length, (int)(padded - length)).ContainsAnyExcept((byte)0))
            {
                error = Err("abi.padding_nonzero", "The padding after a bytes/string value is not zero.");
                return false;
            }

            end = (int)(start + padded);
            return true;
        }

        /// <summary>Reads the length/count word at <paramref name="pos"/>; it must fit the data.</summary>
        private bool ReadLength(int pos, out int length, [NotNullWhen(false)] out ProtocolError? error)
        {
            length = 0;
            if (pos + 32L > _data.Length)
            {
                error = Err("abi.truncated", "The data ends before a length word.");
                return false;
            }

            if (!ReadSmall(pos, out length))
            {
                error = Err("abi.length_out_of_range", "A length or count is larger than the data.");
                return false;
            }

            error = null;
            return true;
        }

        /// <summary>Reads a word that must be a small non-negative number (at most the data length).</summary>
        private bool ReadSmall(int pos, out int value)
        {
            value = 0;
            if (pos + 32L > _data.Length)
            {
                return false;
            }

            var word = _data.Slice(pos, 32);
            if (word[..28].ContainsAnyExcept((byte)0))
            {
                return false;
            }

            var v = BinaryPrimitives.ReadUInt32BigEndian(word[28..]);
            if (v > (uint)_data.Length)
            {
                return false;
            }

            value = (int)v;
            return true;
        }
    }
}
