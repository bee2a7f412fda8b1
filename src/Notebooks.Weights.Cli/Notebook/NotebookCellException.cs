namespace Notebooks.Weights.Cli.Notebook;

/// <summary>A cell that failed to compile or run; the message starts with "cell N".</summary>
public sealed class NotebookCellException : Exception
{
    /// <summary>1-based cell number in the notebook (markdown cells count).</summary>
    public int CellNumber { get; }

    /// <summary>1-based line in the cell, or 0 when the kernel did not name one.</summary>
    public int Line { get; }

    /// <summary>The text of that line, or null.</summary>
    public string? SourceLine { get; }

    /// <summary>The kernel's message (compiler diagnostic or exception).</summary>
    public string Error { get; }

    /// <summary>An error in cell <paramref name="cellNumber"/>, at <paramref name="line"/> (0: the
    /// whole cell).</summary>
    public NotebookCellException(int cellNumber, int line, string? sourceLine, string error)
        : base(
            $"cell {cellNumber}{(line > 0 ? $", line {line}" : "")}{(sourceLine is null ? "" : $" `{sourceLine.Trim()}`")}: {error}"
        )
    {
        CellNumber = cellNumber;
        Line = line;
        SourceLine = sourceLine;
        Error = error;
    }
}
