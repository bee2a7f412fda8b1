using System.CommandLine;
using System.CommandLine.Help;
using System.Text.RegularExpressions;
using Notebooks.Weights.Cli;
using Notebooks.Weights.Models;

Notebooks.Weights.Runtime.TorchRuntime.EnsureLoaded();
return CliHost.Run(args, Console.Out, Console.Error);

namespace Notebooks.Weights.Cli
{
    /// <summary>
    /// The <c>weights</c> tool on System.CommandLine: one <see cref="Command"/> per
    /// <see cref="IVerb"/> (multi-word verbs are subcommands), its options taken from the verb's
    /// <see cref="Option"/> and <see cref="OptionGroup"/> fields. Exit codes: 0 success, 1 the verb
    /// failed (bad model, file, value), 2 bad command line.
    /// </summary>
    public static partial class CliHost
    {
        /// <summary>All verbs in this assembly, by name.</summary>
        public static IReadOnlyList<IVerb> Verbs => NewVerbs();

        static List<IVerb> NewVerbs() =>
            typeof(CliHost)
                .Assembly.GetTypes()
                .Where(t =>
                    typeof(IVerb).IsAssignableFrom(t)
                    && t is { IsAbstract: false, IsInterface: false }
                )
                .Select(t => (IVerb)Activator.CreateInstance(t)!)
                .OrderBy(v => v.Name, StringComparer.Ordinal)
                .ToList();

        /// <summary>
        /// Runs the tool in-process (tests call this too); verbs load models from
        /// <paramref name="models"/> (default <see cref="ModelRegistry.Default"/>), so a test can
        /// bring its own models without registering them process-wide.
        /// </summary>
        public static int Run(
            string[] args,
            TextWriter stdout,
            TextWriter stderr,
            ModelRegistry? models = null
        )
        {
            var (root, verbs) = BuildRoot();
            if (args.Length == 0)
            {
                root.Parse(["--help"])
                    .Invoke(new InvocationConfiguration { Output = stdout, Error = stderr });
                return 2;
            }
            if (args[0] == "help")
                args = [.. args.Skip(1), "--help"];
            if (verbs.Values.FirstOrDefault(v => v.FormerNames.Contains(args[0])) is { } renamed)
            {
                stderr.WriteLine(
                    $"weights {args[0]}: deprecated name, use 'weights {renamed.Name}' (the old name will be removed)."
                );
                args = [renamed.Name, .. args.Skip(1)];
            }
            var result = root.Parse(
                args,
                new ParserConfiguration { ResponseFileTokenReplacer = null }
            );
            var command = result.CommandResult.Command;
            verbs.TryGetValue(command, out var verb);
            string prefix = verb is null ? "weights" : $"weights {verb.Name}";
            var invocation = new InvocationConfiguration
            {
                Output = stdout,
                Error = stderr,
                EnableDefaultExceptionHandler = false,
            };

            if (
                verb is null
                && result.UnmatchedTokens.Count == 0
                && result.GetResult(root.Options.First(o => o.Name == "--version"))
                    is { Implicit: false }
            )
            {
                stdout.WriteLine(Version);
                return 0;
            }
            if (
                (result.Errors.Count > 0 && result.Action is not HelpAction)
                || (verb is null && result.UnmatchedTokens.Count > 0)
                || (verb is null && result.Action is not HelpAction)
            )
            {
                var unmatched = result.UnmatchedTokens;
                if (verb is null)
                {
                    var word = unmatched.Count > 0 ? unmatched[0] : "";
                    stderr.WriteLine(
                        word.Length == 0
                            ? $"{CommandPath(command)}: give a command."
                            : $"{CommandPath(command)}: unknown command '{word}'."
                    );
                    var names = command.Subcommands.Select(c => c.Name).ToList();
                    if (names.Count > 0)
                    {
                        var near = names
                            .OrderBy(n => Notebooks.Weights.Text.Nearest.Distance(n, word))
                            .Take(3);
                        stderr.WriteLine(
                            $"nearest commands: {string.Join(", ", near)}; run 'weights --help' for the list."
                        );
                    }
                    return 2;
                }
                stderr.WriteLine(
                    $"{prefix}: {string.Join("\n", Messages(result, command))}\nusage:\n{Usage(command, root, verb)}"
                );
                return 2;
            }
            if (verb is null || result.Action is HelpAction)
            {
                int code = result.Invoke(invocation); // --help
                // A verb's own help adds its notes (usage lines, formats); the command lists only
                // summaries.
                if (verb is { Notes.Length: > 0 } && result.Action is HelpAction)
                    stdout.WriteLine($"Notes:\n{verb.Notes}\n");
                return code;
            }
            try
            {
                using var finalizersHeld = Notebooks.Weights.Runtime.FinalizerGate.Hold();
                return verb.Run(
                    new CliArgs(result, models ?? ModelRegistry.Default),
                    stdout,
                    stderr
                );
            }
            catch (CliUsageException e)
            {
                stderr.WriteLine($"{prefix}: {e.Message}\nusage:\n{Usage(command, root, verb)}");
                return 2;
            }
            catch (Exception e)
                when (e
                        is ArgumentException
                            or InvalidOperationException
                            or IOException
                            or InvalidDataException
                            or KeyNotFoundException
                            or NotSupportedException
                            or UnauthorizedAccessException
                            or HttpRequestException
                )
            {
                stderr.WriteLine($"{prefix}: {Message(e)}");
                return 1;
            }
        }

        /// <summary>The version <c>weights --version</c> prints: this assembly's
        /// (System.CommandLine's own option reports the entry assembly's, the test host's in
        /// tests).</summary>
        public static string Version =>
            typeof(CliHost)
                .Assembly.GetCustomAttributes(
                    typeof(System.Reflection.AssemblyInformationalVersionAttribute),
                    false
                )
                .Cast<System.Reflection.AssemblyInformationalVersionAttribute>()
                .Single()
                .InformationalVersion;

        /// <summary>The exception's message without .NET's " (Parameter 'x')" suffix.</summary>
        public static string Message(Exception e) =>
            e is ArgumentException { ParamName: { } p }
                ? e.Message.Replace($" (Parameter '{p}')", "")
                : e.Message;

        /// <summary>The root command <see cref="Run"/> parses with: every verb as a (sub)command,
        /// with its options.</summary>
        public static Command RootCommand() => BuildRoot().Root;

        /// <summary>The root command with every verb as a (sub)command, and the verb behind each
        /// command.</summary>
        static (Command Root, Dictionary<Command, IVerb> Verbs) BuildRoot()
        {
            // A Command, not a RootCommand: RootCommand is named after the entry assembly (the test
            // host in tests) and its --version reports that assembly's version. No verb may be
            // named "weights": System.CommandLine reads a first argument equal to the root's name
            // as the root itself (former names are rewritten before parsing).
            var root = new Command(
                "weights",
                "weights: look at the weights of neural networks (Notebooks.Weights)"
            )
            {
                new HelpOption(),
                Opt.Flag("--version", "show the version of weights"),
            };
            var map = new Dictionary<Command, IVerb>();
            foreach (var verb in NewVerbs())
            {
                var words = verb.Name.Split(' ');
                Command parent = root;
                foreach (var group in words[..^1])
                {
                    var existing = parent.Subcommands.FirstOrDefault(c => c.Name == group);
                    if (existing is null)
                    {
                        existing = new Command(group, $"{group} commands");
                        parent.Subcommands.Add(existing);
                    }
                    parent = existing;
                }
                var command = new Command(words[^1], verb.Summary);
                foreach (
                    var field in verb.GetType()
                        .GetFields(
                            System.Reflection.BindingFlags.Instance
                                | System.Reflection.BindingFlags.Public
                                | System.Reflection.BindingFlags.NonPublic
                        )
                )
                {
                    switch (field.GetValue(verb))
                    {
                        case Option o:
                            command.Options.Add(o);
                            break;
                        case OptionGroup g:
                            foreach (var o in g.Options)
                                command.Options.Add(o);
                            break;
                        case Argument a:
                            command.Arguments.Add(a);
                            break;
                    }
                }
                parent.Subcommands.Add(command);
                map[command] = verb;
            }
            return (root, map);
        }

        /// <summary>Our wording of the parse errors: unknown options with the nearest valid one,
        /// missing required options.</summary>
        static IEnumerable<string> Messages(ParseResult result, Command command)
        {
            var valid = command
                .Options.Where(o => o is not HelpOption)
                .Select(o => o.Name)
                .ToList();
            var missing = command
                .Options.Where(o => o.Required && result.GetResult(o) is null)
                .Select(o => o.Name)
                .ToHashSet();
            foreach (var name in missing)
                yield return $"missing required option {name}";
            bool afterUnknownOption = false;
            foreach (var token in result.UnmatchedTokens)
            {
                if (afterUnknownOption && !token.StartsWith('-'))
                {
                    afterUnknownOption = false;
                    continue;
                } // its value
                afterUnknownOption = token.StartsWith('-');
                if (token.StartsWith('-'))
                {
                    var near = valid
                        .OrderBy(v => Notebooks.Weights.Text.Nearest.Distance(v, token))
                        .FirstOrDefault();
                    yield return $"unknown option {token}"
                        + (near is null ? "" : $" (did you mean {near}?)")
                        + $"; valid: {string.Join(", ", valid.Order())}";
                }
                else
                    yield return $"unexpected argument '{token}'";
            }
            foreach (var error in result.Errors)
            {
                if (result.UnmatchedTokens.Any(t => error.Message.Contains($"'{t}'")))
                    continue;
                if (missing.Any(m => error.Message.Contains($"'{m}'")))
                    continue;
                yield return RequiredWording().Replace(error.Message, "missing required option $1");
            }
        }

        [GeneratedRegex(@"^Option '(--[a-z0-9-]+)' is required\.$")]
        private static partial Regex RequiredWording();

        static string CommandPath(Command c) =>
            string.Join(' ', CommandPathWords(c).Prepend("weights"));

        /// <summary>The help text of a command (its usage line, options and notes), as
        /// System.CommandLine writes it.</summary>
        static string Usage(Command command, Command root, IVerb? verb)
        {
            var o = new StringWriter();
            var help = root.Parse(
                CommandPathWords(command).Append("--help").ToArray(),
                new ParserConfiguration { ResponseFileTokenReplacer = null }
            );
            help.Invoke(new InvocationConfiguration { Output = o, Error = o });
            if (verb is { Notes.Length: > 0 })
                o.WriteLine($"Notes:\n{verb.Notes}");
            return o.ToString().TrimEnd();
        }

        static IEnumerable<string> CommandPathWords(Command c)
        {
            var words = new List<string>();
            for (
                Command? x = c;
                x is not null && x.Parents.Any();
                x = x.Parents.OfType<Command>().FirstOrDefault()
            )
                words.Insert(0, x.Name);
            return words;
        }
    }
}
