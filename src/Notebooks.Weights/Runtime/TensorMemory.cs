using System.Buffers;
using static TorchSharp.torch;

namespace Notebooks.Weights.Runtime;

/// <summary>
/// <see cref="Memory{T}"/> over the storage of a contiguous CPU tensor, without a copy, so managed kernels can read and
/// write a tensor in place (a fresh managed copy of a large tensor costs a page fault per 4 KiB on first touch). The
/// tensor must stay alive while the memory is used.
/// </summary>
sealed unsafe class TensorMemory<T> : MemoryManager<T> where T : unmanaged
{
    readonly T* pointer;
    readonly int length;

    public TensorMemory(Tensor tensor, string name)
    {
        if (tensor.device_type != TorchSharp.DeviceType.CPU)
            throw new ArgumentException($"{name} must be a CPU tensor to be read in place; got a {tensor.device_type} tensor.", name);
        if (!tensor.is_contiguous())
            throw new ArgumentException($"{name} must be contiguous to be read in place (call .contiguous()).", name);
        if (tensor.element_size() != sizeof(T))
            throw new ArgumentException($"{name} has dtype {tensor.dtype}; expected {typeof(T).Name} elements.", name);
        if (tensor.numel() > int.MaxValue)
            throw new ArgumentException($"{name} has {tensor.numel()} elements; at most {int.MaxValue} fit one managed span.", name);
        length = (int)tensor.numel();
        fixed (byte* p = tensor.bytes) pointer = (T*)p; // native storage: nothing moves, "fixed" only takes the address
    }

    public override Span<T> GetSpan() => new(pointer, length);
    public override MemoryHandle Pin(int elementIndex = 0) => new(pointer + elementIndex);
    public override void Unpin() { }
    protected override void Dispose(bool disposing) { }
}
