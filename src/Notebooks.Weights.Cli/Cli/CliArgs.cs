using Notebooks.Weights.Models;
using System.Globalization;

namespace Notebooks.Weights.Cli;

/// <summary>Thrown for a bad command line; the message names the option and what was expected.</summary>
public sealed class CliUsageException(string message) : Exception(message);

/// <summary>
/// Parsed <c>--name value</c> / <c>--flag</c> options and positional arguments. Every option a verb does not
/// read is reported as unknown by <see cref="EnsureAllUsed"/>, so typos never pass silently.
/// </summary>
public sealed class CliArgs
{
    readonly Dictionary<string, string?> _options = new(StringComparer.Ordinal);
    readonly HashSet<string> _used = new(StringComparer.Ordinal);
    /// <summary>Where the verb loads models by name or path (the host's registry; <see cref="ModelRegistry.Default"/> unless given).</summary>
    public ModelRegistry Models { get; init; } = ModelRegistry.Default;
    /// <summary>Arguments that are not options, in order.</summary>
    public IReadOnlyList<string> Positional { get; }

    /// <summary>Parses the arguments after the verb words. A token after <c>--x</c> is its value unless it starts with <c>--</c>.</summary>
    public CliArgs(IEnumerable<string> args, IEnumerable<string>? flagNames = null)
    {
        var flags = new HashSet<string>(flagNames ?? [], StringComparer.Ordinal);
        var pos = new List<string>();
        var list = args.ToList();
        for (int i = 0; i < list.Count; i++)
        {
            var a = list[i];
            if (a.StartsWith("--", StringComparison.Ordinal) && a.Length > 2)
            {
                var name = a[2..];
                string? value = null;
                int eq = name.IndexOf('=');
                if (eq >= 0) { value = name[(eq + 1)..]; name = name[..eq]; }
                else if (!flags.Contains(name) && i + 1 < list.Count && !list[i + 1].StartsWith("--", StringComparison.Ordinal))
                    value = list[++i];
                if (_options.ContainsKey(name)) throw new CliUsageException($"option --{name} was given twice");
                _options[name] = value;
            }
            else pos.Add(a);
        }
        Positional = pos;
    }

    /// <summary>True when <c>--name</c> was given (with or without a value).</summary>
    public bool Flag(string name) { _used.Add(name); return _options.ContainsKey(name); }

    /// <summary>The value of <c>--name</c>, or <paramref name="fallback"/> when absent.</summary>
    public string? Get(string name, string? fallback = null)
    {
        _used.Add(name);
        if (!_options.TryGetValue(name, out var v)) return fallback;
        return v ?? throw new CliUsageException($"option --{name} needs a value");
    }

    /// <summary>The value of a required option.</summary>
    public string Require(string name) => Get(name) ?? throw new CliUsageException($"missing required option --{name}");

    /// <summary>An integer option.</summary>
    public int GetInt(string name, int fallback) => Get(name) is { } s ? ParseInt(name, s) : fallback;
    /// <summary>A required integer option.</summary>
    public int RequireInt(string name) => ParseInt(name, Require(name));
    /// <summary>A floating-point option.</summary>
    public double GetDouble(string name, double fallback)
    {
        var s = Get(name);
        if (s is null) return fallback;
        return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
            ? d : throw new CliUsageException($"option --{name}: expected a number, got '{s}'");
    }
    /// <summary>A comma-separated list of integers (<c>1,2,5</c>) or ranges (<c>0-9</c>), or null when absent.</summary>
    public int[]? GetIntList(string name)
    {
        var s = Get(name);
        if (s is null) return null;
        var result = new List<int>();
        foreach (var part in s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int dash = part.IndexOf('-', 1);
            if (dash > 0)
            {
                int a = ParseInt(name, part[..dash]), b = ParseInt(name, part[(dash + 1)..]);
                if (b < a) throw new CliUsageException($"option --{name}: range '{part}' is empty (end before start)");
                for (int k = a; k <= b; k++) result.Add(k);
            }
            else result.Add(ParseInt(name, part));
        }
        if (result.Count == 0) throw new CliUsageException($"option --{name}: expected a list like 1,2,5 or 0-9, got '{s}'");
        return result.ToArray();
    }

    /// <summary>Throws when an option was given that the verb never read.</summary>
    public void EnsureAllUsed()
    {
        var unknown = _options.Keys.Where(k => !_used.Contains(k)).ToList();
        if (unknown.Count > 0)
            throw new CliUsageException($"unknown option{(unknown.Count > 1 ? "s" : "")} {string.Join(", ", unknown.Select(u => "--" + u))}; valid: {string.Join(", ", _used.Order().Select(u => "--" + u))}");
    }

    static int ParseInt(string name, string s) =>
        int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)
            ? v : throw new CliUsageException($"option --{name}: expected an integer, got '{s}'");
}
