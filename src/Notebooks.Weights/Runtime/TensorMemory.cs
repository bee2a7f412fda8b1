using System.Buffers;
using static TorchSharp.torch;

namespace Notebooks.Weights.Runtime;

/// <summary>
/// <see cref="Memory{T}"/> over the storage of a contiguous CPU tensor, without a copy, so managed
/// kernels can read and write a tensor in place (a fresh managed copy of a large tensor costs a
/// page fault per 4 KiB on first touch). The manager holds the tensor; disposing the tensor while
/// the memory is in use is the caller's error.
/// </summary>
sealed unsafe class TensorMemory<T> : MemoryManager<T>
    where T : unmanaged
{
    readonly Tensor tensor; // held so the storage stays alive as long as this memory is reachable
    readonly T* pointer;
    readonly int length;

    public TensorMemory(Tensor tensor, string name)
    {
        if (tensor.device_type != TorchSharp.DeviceType.CPU)
            throw new ArgumentException(
                $"{name} must be a CPU tensor to be read in place; got a {tensor.device_type} tensor.",
                name
            );
        if (!tensor.is_contiguous())
            throw new ArgumentException(
                $"{name} must be contiguous to be read in place (call .contiguous()).",
                name
            );
        var expected =
            typeof(T) == typeof(float) ? ScalarType.Float32
            : typeof(T) == typeof(double) ? ScalarType.Float64
            : throw new NotSupportedException(
                $"TensorMemory<{typeof(T).Name}>: only float and double are supported."
            );
        if (tensor.dtype != expected)
            throw new ArgumentException(
                $"{name} has dtype {tensor.dtype}; expected {expected}.",
                name
            );
        if (tensor.numel() * sizeof(T) > int.MaxValue)
            throw new ArgumentException(
                $"{name} has {tensor.numel()} elements ({tensor.numel() * sizeof(T)} bytes); at most {int.MaxValue} bytes can be read in place.",
                name
            );
        this.tensor = tensor;
        length = (int)tensor.numel();
        fixed (byte* p = tensor.bytes)
            pointer = (T*)p; // native storage: nothing moves, "fixed" only takes the address
    }

    public override Span<T> GetSpan() => new(pointer, length);

    public override MemoryHandle Pin(int elementIndex = 0) => new(pointer + elementIndex);

    public override void Unpin() { }

    protected override void Dispose(bool disposing) { }
}
