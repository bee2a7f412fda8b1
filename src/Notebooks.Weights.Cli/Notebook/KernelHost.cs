using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.CSharp;
using Microsoft.DotNet.Interactive.Documents;
using Microsoft.DotNet.Interactive.Formatting;
using Microsoft.DotNet.Interactive.PackageManagement;

namespace Notebooks.Weights.Cli.Notebook;

/// <summary>
/// The real .NET Interactive kernel, set up the way the <c>dotnet-interactive</c> tool sets up its
/// C# kernel: a <see cref="CompositeKernel"/> holding a <see cref="CSharpKernel"/> with <c>#r
/// "nuget:"</c>/<c>#i</c> (restored package assemblies become references), the kernel helpers
/// (<c>display</c>, <c>HTML</c>, ...), <c>#!who</c> and value sharing; <c>#!import</c> on the
/// composite; and the NuGet package-extension loader (<see cref="PackageExtensionLoader"/>), which
/// runs a restored package's <c>interactive-extensions/dotnet</c>. Left out: the tool's other
/// languages (F#, PowerShell, HTTP, ...) and the Jupyter-package magics (#!lsmagic, #!time), which
/// the notebooks do not use. Formatting follows the tool's <c>stdio</c> host (the one VS Code
/// starts): a browser front end, HTML as the default MIME type, strings as plain text.
/// </summary>
public static class KernelHost
{
    /// <summary>Name of the C# kernel (the notebooks' default kernel).</summary>
    public const string CSharp = "csharp";

    /// <summary>A new kernel; dispose it after the run.</summary>
    public static CompositeKernel Create()
    {
        var csharp = new CSharpKernel()
            .UseNugetDirective(
                (kernel, resolved) =>
                {
                    kernel.AddAssemblyReferences(resolved.SelectMany(r => r.AssemblyPaths));
                    return Task.CompletedTask;
                }
            )
            .UseKernelHelpers()
            .UseWho()
            .UseValueSharing();
        var composite = new CompositeKernel();
        composite.Add(csharp, ["c#", "C#"]);
        composite.UseImportMagicCommand();
        PackageExtensionLoader.Use(composite);
        composite.DefaultKernelName = CSharp;
        // The tool's stdio host (VS Code) has a browser front end (a type internal to the tool) and
        // so formats values as HTML by default and strings as plain text (its
        // KernelBuilder.SetUpFormatters); the same here.
        Formatter.DefaultMimeType = HtmlFormatter.MimeType;
        Formatter.SetPreferredMimeTypesFor(typeof(string), PlainTextFormatter.MimeType);
        return composite;
    }

    /// <summary>The kernels a notebook's cells may name, for reading and writing
    /// documents.</summary>
    public static KernelInfoCollection KernelInfos()
    {
        var infos = new KernelInfoCollection
        {
            new Microsoft.DotNet.Interactive.Documents.KernelInfo(CSharp, "C#", ["c#", "C#", "cs"]),
            new Microsoft.DotNet.Interactive.Documents.KernelInfo("markdown", "Markdown", ["md"]),
        };
        infos.DefaultKernelName = CSharp;
        return infos;
    }
}
