using Notebooks.Weights.Models;
using System.Reflection;
using Notebooks.Weights.Cli;

Notebooks.Weights.Runtime.TorchRuntime.EnsureLoaded();
return CliHost.Run(args, Console.Out, Console.Error);

namespace Notebooks.Weights.Cli
{
    /// <summary>Dispatches <c>weights VERB ...</c> to the <see cref="IVerb"/> whose name matches the most leading words.</summary>
    public static class CliHost
    {
        /// <summary>All verbs in this assembly, by name.</summary>
        public static IReadOnlyList<IVerb> Verbs { get; } = typeof(CliHost).Assembly.GetTypes()
            .Where(t => typeof(IVerb).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
            .Select(t => (IVerb)Activator.CreateInstance(t)!)
            .OrderBy(v => v.Name, StringComparer.Ordinal).ToList();

        /// <summary>
        /// Runs the tool in-process (tests call this too); verbs load models from <paramref name="models"/> (default
        /// <see cref="ModelRegistry.Default"/>), so a test can bring its own models without registering them process-wide.
        /// </summary>
        public static int Run(string[] args, TextWriter stdout, TextWriter stderr, ModelRegistry? models = null)
        {
            if (args.Length == 0 || args[0] is "help" or "--help" or "-h")
            {
                var topic = args.Skip(1).ToArray();
                var verbHelp = topic.Length > 0 ? Match(topic).verb : null;
                if (verbHelp != null) { stdout.WriteLine($"{verbHelp.Summary}\n\nusage:\n{verbHelp.Usage}"); return 0; }
                PrintHelp(stdout);
                return args.Length == 0 ? 2 : 0;
            }
            var (verb, used) = Match(args);
            if (verb is null)
            {
                stderr.WriteLine($"weights: unknown command '{string.Join(' ', args.TakeWhile(a => !a.StartsWith("--")))}'.");
                var near = Verbs.Select(v => v.Name).OrderBy(n => Notebooks.Weights.Text.Nearest.Distance(n, args[0])).Take(3);
                stderr.WriteLine($"nearest commands: {string.Join(", ", near)}; run 'weights help' for the list.");
                return 2;
            }
            try
            {
                var rest = args.Skip(used).ToArray();
                if (rest.Contains("--help")) { stdout.WriteLine($"{verb.Summary}\n\nusage:\n{verb.Usage}"); return 0; }
                var parsed = new CliArgs(rest, FlagNames(verb)) { Models = models ?? ModelRegistry.Default };
                using var finalizersHeld = Notebooks.Weights.Runtime.FinalizerGate.Hold();
                return verb.Run(parsed, stdout, stderr);
            }
            catch (CliUsageException e)
            {
                stderr.WriteLine($"weights {verb.Name}: {e.Message}\nusage:\n{verb.Usage}");
                return 2;
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or InvalidDataException
                                        or KeyNotFoundException or NotSupportedException or UnauthorizedAccessException or HttpRequestException)
            {
                stderr.WriteLine($"weights {verb.Name}: {e.Message}");
                return 1;
            }
        }

        static IEnumerable<string> FlagNames(IVerb verb) =>
            verb.GetType().GetCustomAttributes<FlagsAttribute>().SelectMany(a => a.Names);

        static (IVerb? verb, int used) Match(string[] args)
        {
            IVerb? best = null; int bestLen = 0;
            foreach (var v in Verbs)
            {
                var words = v.Name.Split(' ');
                if (words.Length > args.Length || words.Length <= bestLen) continue;
                if (words.Select((w, i) => w == args[i]).All(b => b)) { best = v; bestLen = words.Length; }
            }
            return (best, bestLen);
        }

        static void PrintHelp(TextWriter o)
        {
            o.WriteLine("weights: look at the weights of neural networks (Notebooks.Weights)\n\ncommands:");
            int w = Verbs.Max(v => v.Name.Length);
            foreach (var v in Verbs) o.WriteLine($"  {v.Name.PadRight(w)}  {v.Summary}");
            o.WriteLine("\nrun 'weights help COMMAND' for its options.");
        }
    }

    /// <summary>Declares which options of a verb are boolean flags (take no value).</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
    public sealed class FlagsAttribute(params string[] names) : Attribute
    {
        /// <summary>Option names without the leading dashes.</summary>
        public string[] Names { get; } = names;
    }
}
