using Notebooks.Weights.Cli;
using Notebooks.Weights.Models;

namespace Notebooks.Weights.Tests.Cli;

/// <summary>The one helper that runs the weights tool in-process and captures its output (exit
/// code, stdout, stderr).</summary>
static class CliRun
{
    /// <summary>Runs <c>weights ARGS</c> with the default model registry.</summary>
    public static (int Code, string Out, string Err) Run(params string[] args) => With(null, args);

    /// <summary>Runs <c>weights ARGS</c> loading models from <paramref name="models"/> (a test's
    /// own registry), or the default one when null.</summary>
    public static (int Code, string Out, string Err) With(
        ModelRegistry? models,
        params string[] args
    )
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = CliHost.Run(args, o, e, models);
        return (code, o.ToString(), e.ToString());
    }
}
