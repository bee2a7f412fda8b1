namespace Notebooks.Weights.Cli;

/// <summary>
/// Ctrl+C as a <see cref="CancellationToken"/> for the duration of a verb: the first Ctrl+C cancels
/// <see cref="Token"/> instead of killing the process, so the verb can stop between files (each
/// written then renamed) and say what is complete. Dispose to restore the default behaviour.
/// </summary>
public sealed class ConsoleCancellation : IDisposable
{
    readonly CancellationTokenSource _source = new();

    /// <summary>Starts listening for Ctrl+C.</summary>
    public ConsoleCancellation() => Console.CancelKeyPress += OnCancel;

    /// <summary>Cancelled by Ctrl+C.</summary>
    public CancellationToken Token => _source.Token;

    void OnCancel(object? sender, ConsoleCancelEventArgs e)
    {
        e.Cancel = true;
        _source.Cancel();
    }

    /// <summary>Stops listening.</summary>
    public void Dispose()
    {
        Console.CancelKeyPress -= OnCancel;
        _source.Dispose();
    }
}
