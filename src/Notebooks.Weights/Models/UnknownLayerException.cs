using Notebooks.Weights.Text;

namespace Notebooks.Weights.Models;

/// <summary>An unknown layer or parameter name; the message lists the nearest valid
/// names.</summary>
public sealed class UnknownLayerException : KeyNotFoundException
{
    /// <summary>Creates the exception for <paramref name="name"/> with suggestions from
    /// <paramref name="valid"/>.</summary>
    public UnknownLayerException(string what, string name, string model, IEnumerable<string> valid)
        : base(Nearest.Message(what, name, $"model '{model}'", valid))
    {
        Name = name;
    }

    /// <summary>The name that was not found.</summary>
    public string Name { get; }
}
