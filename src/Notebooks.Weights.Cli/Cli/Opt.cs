using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Notebooks.Weights.Cli;

/// <summary>
/// The options of the <c>weights</c> tool, declared once: the shared ones (<c>--model</c>,
/// <c>--json</c>, <c>--out</c>, <c>--width</c>, <c>--seed</c>, <c>--units</c>, ...) and typed
/// factories whose validators give every verb the same messages ("option --NAME: expected ..., got
/// ...").
/// </summary>
public static class Opt
{
    /// <summary><c>--model default|inceptionv1|resnet18|PATH</c>; required unless
    /// <paramref name="defaultValue"/> is given or <paramref name="required"/> is false.</summary>
    public static Option<string> Model(string? defaultValue = null, bool required = true) =>
        Text(
            "--model",
            "model: a registered name (default, inceptionv1, resnet18, ...) or a .weights/.onnx path",
            defaultValue,
            required: required && defaultValue is null
        );

    /// <summary><c>--json</c>: print JSON instead of a table.</summary>
    public static Option<bool> Json() => Flag("--json", "print JSON instead of text");

    /// <summary><c>--out PATH</c>: where the verb writes (a file or a folder, as
    /// <paramref name="description"/> says).</summary>
    public static Option<string> Out(
        string description,
        bool required = true,
        string? defaultValue = null
    ) => Text("--out", description, defaultValue, required && defaultValue is null);

    /// <summary><c>--width W</c>: the W×W crop of expanded weights (a positive integer; default
    /// 5).</summary>
    public static Option<int> Width(int defaultValue = 5) =>
        Int(
            "--width",
            "W: expanded weights cover the W x W positions around the center",
            defaultValue,
            min: 1,
            expected: "a positive width"
        );

    /// <summary><c>--seed S</c>: every random choice takes it.</summary>
    public static Option<int> Seed(int defaultValue, string description = "random seed") =>
        Int("--seed", description, defaultValue);

    /// <summary><c>--steps N</c> (at least 1).</summary>
    public static Option<int> Steps(
        int defaultValue,
        string description = "optimization/training steps"
    ) => Int("--steps", description, defaultValue, min: 1);

    /// <summary><c>--units a,b,0-9</c>: unit indices.</summary>
    public static Option<int[]?> Units(
        string description = "units: a list like 1,2,5 or a range 0-9",
        bool required = false
    ) => IntList("--units", description, required);

    /// <summary><c>--from L1</c>: the earlier layer (a layer name; some verbs take
    /// <c>L1:unit</c>).</summary>
    public static Option<string> From(bool required = true) =>
        Text("--from", FromDescription, required: required);

    /// <summary><c>--from L1</c> that may be left out (null when absent).</summary>
    public static Option<string?> OptionalFrom() => OptionalText("--from", FromDescription);

    const string FromDescription =
        "the earlier layer (name, or LAYER:UNIT where the verb takes a unit)";
    const string ToDescription =
        "the later layer (name, or LAYER:UNIT where the verb takes a unit)";

    /// <summary><c>--to L2</c>: the later layer.</summary>
    public static Option<string> To(bool required = true) =>
        Text("--to", ToDescription, required: required);

    /// <summary><c>--to L2</c> that may be left out (null when absent).</summary>
    public static Option<string?> OptionalTo() => OptionalText("--to", ToDescription);

    /// <summary><c>--layer L</c>: a layer name (see <c>weights layers</c>).</summary>
    public static Option<string> Layer() =>
        Text("--layer", "a layer name (see weights layers)", required: true);

    /// <summary><c>--unit N</c>: a unit (channel) index, at least 0.</summary>
    public static Option<int> Unit() => RequiredInt("--unit", "a unit (channel) index", min: 0);

    /// <summary><c>--repeat N</c>: timed repetitions of a benchmark (at least 1).</summary>
    public static Option<int> Repeat(int defaultValue) =>
        Int("--repeat", "timed repetitions (the best is reported)", defaultValue, min: 1);

    /// <summary><c>--batch N</c>: images per batch (at least 1).</summary>
    public static Option<int> Batch(int defaultValue) =>
        Int("--batch", "images per batch", defaultValue, min: 1);

    /// <summary><c>--cache DIR</c>: the feature-visualization cache folder.</summary>
    public static Option<string?> Cache() =>
        OptionalText("--cache", "feature-visualization cache folder (default: the user cache)");

    /// <summary><c>--port P</c>: a TCP port, 0..65535 (0: any free port).</summary>
    public static Option<int?> Port() =>
        OptionalInt(
            "--port",
            "TCP port on 127.0.0.1 (0..65535; 0: any free port)",
            0,
            65535,
            "a port number 0..65535"
        );

    /// <summary>A flag: takes no value (never swallows the next token).</summary>
    public static Option<bool> Flag(string name, string description) =>
        new(name) { Description = description, Arity = ArgumentArity.Zero };

    /// <summary>A text option (required, or
    /// absent-means-<paramref name="defaultValue"/>).</summary>
    public static Option<string> Text(
        string name,
        string description,
        string? defaultValue = null,
        bool required = false
    ) => TextOf<string>(name, description, defaultValue, required);

    /// <summary>An optional text option: null when absent.</summary>
    public static Option<string?> OptionalText(string name, string description) =>
        TextOf<string?>(name, description, null, false);

    /// <summary><c>--out PATH</c> that may be left out (null when absent).</summary>
    public static Option<string?> OptionalOut(string description) =>
        OptionalText("--out", description);

    static Option<T> TextOf<T>(string name, string description, string? defaultValue, bool required)
        where T : class?
    {
        var o = new Option<T>(name) { Description = description, Required = required };
        if (defaultValue is not null)
            o.DefaultValueFactory = _ => (T)(object)defaultValue;
        return o;
    }

    /// <summary>One of <paramref name="values"/> (case-insensitive, returned lower-case).</summary>
    public static Option<string> Choice(
        string name,
        string description,
        string defaultValue,
        params string[] values
    ) =>
        new(name)
        {
            Description = $"{description} ({string.Join("|", values)})",
            DefaultValueFactory = _ => defaultValue,
            CustomParser = r =>
            {
                var s = r.Tokens.Count == 0 ? defaultValue : r.Tokens[0].Value;
                if (values.Contains(s.ToLowerInvariant()))
                    return s.ToLowerInvariant();
                r.AddError($"option {name}: expected {Alternatives(values)}, got '{s}'");
                return defaultValue;
            },
        };

    /// <summary>
    /// An integer in <paramref name="min"/>..<paramref name="max"/>; a bad value reads
    /// "option --NAME: expected a positive integer, got 0" (or <paramref name="expected"/>).
    /// </summary>
    public static Option<int> Int(
        string name,
        string description,
        int defaultValue,
        int min = int.MinValue,
        int max = int.MaxValue,
        string? expected = null
    ) =>
        new(name)
        {
            Description = description,
            DefaultValueFactory = _ => defaultValue,
            CustomParser = r =>
                r.Tokens.Count == 0 ? defaultValue : ParseInt(r, name, min, max, expected),
        };

    /// <summary>A required integer in <paramref name="min"/>..<paramref name="max"/>.</summary>
    public static Option<int> RequiredInt(
        string name,
        string description,
        int min = int.MinValue,
        int max = int.MaxValue
    ) =>
        new(name)
        {
            Description = description,
            Required = true,
            CustomParser = r => r.Tokens.Count == 0 ? 0 : ParseInt(r, name, min, max, null),
        };

    /// <summary>An optional integer (null when absent).</summary>
    public static Option<int?> OptionalInt(
        string name,
        string description,
        int min = int.MinValue,
        int max = int.MaxValue,
        string? expected = null
    ) =>
        new(name)
        {
            Description = description,
            CustomParser = r => r.Tokens.Count == 0 ? null : ParseInt(r, name, min, max, expected),
        };

    /// <summary>A number.</summary>
    public static Option<double> Double(string name, string description, double defaultValue) =>
        new(name)
        {
            Description = description,
            DefaultValueFactory = _ => defaultValue,
            CustomParser = r =>
            {
                if (r.Tokens.Count == 0)
                    return defaultValue;
                var s = r.Tokens[0].Value;
                if (
                    double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
                    && double.IsFinite(d)
                )
                    return d;
                r.AddError($"option {name}: expected a number, got '{s}'");
                return defaultValue;
            },
        };

    /// <summary>A comma-separated list of integers (<c>1,2,5</c>) or ranges (<c>0-9</c>); null when
    /// absent.</summary>
    public static Option<int[]?> IntList(string name, string description, bool required = false) =>
        new(name)
        {
            Description = description,
            Required = required,
            CustomParser = r =>
            {
                if (r.Tokens.Count == 0)
                    return null;
                var s = r.Tokens[0].Value;
                var result = new List<int>();
                foreach (
                    var part in s.Split(
                        ',',
                        StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries
                    )
                )
                {
                    int dash = part.IndexOf('-', 1);
                    if (dash > 0)
                    {
                        if (
                            !TryInt(part[..dash], out var a)
                            || !TryInt(part[(dash + 1)..], out var b)
                        )
                        {
                            r.AddError($"option {name}: expected an integer, got '{part}'");
                            return null;
                        }
                        if (b < a)
                        {
                            r.AddError(
                                $"option {name}: range '{part}' is empty (end before start)"
                            );
                            return null;
                        }
                        for (int k = a; k <= b; k++)
                            result.Add(k);
                    }
                    else if (TryInt(part, out var v))
                        result.Add(v);
                    else
                    {
                        r.AddError($"option {name}: expected an integer, got '{part}'");
                        return null;
                    }
                }
                if (result.Count == 0)
                {
                    r.AddError($"option {name}: expected a list like 1,2,5 or 0-9, got '{s}'");
                    return null;
                }
                return result.ToArray();
            },
        };

    static int ParseInt(ArgumentResult r, string name, int min, int max, string? expected)
    {
        var s = r.Tokens[0].Value;
        if (!TryInt(s, out var v))
        {
            r.AddError($"option {name}: expected {expected ?? "an integer"}, got '{s}'");
            return 0;
        }
        if (v < min || v > max)
        {
            var what = expected
                ?? (
                    max == int.MaxValue
                        ? min == 1
                            ? "a positive integer"
                            : $"an integer of at least {min}"
                        : $"an integer in {min}..{max}"
                );
            r.AddError($"option {name}: expected {what}, got {(expected is null ? s : $"'{s}'")}");
        }
        return v;
    }

    static bool TryInt(string s, out int v) =>
        int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out v);

    static string Alternatives(string[] values) =>
        values.Length == 1 ? values[0] : $"{string.Join(", ", values[..^1])} or {values[^1]}";
}
