using Microsoft.AspNetCore.Html;

namespace Notebooks.Weights.Cli.Notebook;

/// <summary>
/// The globals a notebook cell sees under <c>weights notebook run</c>, named as in the .NET Interactive C# kernel
/// (which imports <c>using static Microsoft.DotNet.Interactive.Kernel</c>): <c>display(value)</c> and <c>HTML(text)</c>.
/// Displayed values are formatted with Microsoft.DotNet.Interactive.Formatting, as in the kernel.
/// </summary>
public static class NotebookKernel
{
    static readonly AsyncLocal<CellOutputs?> CurrentOutputs = new();

    internal static CellOutputs? Current { get => CurrentOutputs.Value; set => CurrentOutputs.Value = value; }

    /// <summary>Shows <paramref name="value"/> below the cell (all its MIME types, or only <paramref name="mimeTypes"/>).</summary>
    public static DisplayedValue display(object? value, params string[] mimeTypes)
    {
        var outputs = Current ?? throw new InvalidOperationException("display() is only available while 'weights notebook run' executes a cell");
        return outputs.Display(value, mimeTypes);
    }

    /// <summary>Raw HTML to display (shown as text/html, not escaped).</summary>
    public static IHtmlContent HTML(string html) => new HtmlString(html);
}

/// <summary>Extension form of <see cref="NotebookKernel.display"/>, as in .NET Interactive (<c>value.Display()</c>).</summary>
public static class DisplayExtensions
{
    /// <summary>Shows the value below the running cell.</summary>
    public static DisplayedValue Display(this object? value, params string[] mimeTypes) => NotebookKernel.display(value, mimeTypes);
}

/// <summary>A displayed output that can be replaced in place (<see cref="Update"/>), like .NET Interactive's.</summary>
public sealed class DisplayedValue
{
    readonly CellOutputs _owner;
    readonly int _index;
    readonly string[] _mimeTypes;

    internal DisplayedValue(CellOutputs owner, int index, string[] mimeTypes) { _owner = owner; _index = index; _mimeTypes = mimeTypes; }

    /// <summary>Replaces the displayed value with <paramref name="value"/>.</summary>
    public void Update(object? value) => _owner.Replace(_index, value, _mimeTypes);
}
