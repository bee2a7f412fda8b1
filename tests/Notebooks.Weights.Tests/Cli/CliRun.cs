using Notebooks.Weights.Cli;

namespace Notebooks.Weights.Tests.Cli;

/// <summary>Runs the weights tool in-process and captures its output.</summary>
static class CliRun
{
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter(); var e = new StringWriter();
        int code = CliHost.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }
}
